variable "project" {
  description = "GCP project that holds the lake buckets."
  type        = string
}

variable "location" {
  description = "Location of the buckets (the BigQuery datasets' location, so loads stay in it)."
  type        = string
  default     = "US"
}

variable "buckets" {
  description = "Bucket name per lake zone: the workers' GCS_BUCKET_RAW / _PROCESSED / _ARCHIVE (config/schema.ts)."
  type        = map(string)
  default = {
    raw       = "hire10x-raw"
    processed = "hire10x-processed"
    archive   = "hire10x-archive"
  }

  validation {
    condition     = toset(keys(var.buckets)) == toset(["raw", "processed", "archive"])
    error_message = "buckets needs exactly the zones raw, processed and archive."
  }
}

variable "storage_classes" {
  description = "Default storage class per zone; zones not listed use STANDARD."
  type        = map(string)
  default = {
    archive = "COLDLINE"
  }
}

variable "kms_key" {
  description = "Cloud KMS crypto key id (same location as the buckets) every bucket encrypts with by default."
  type        = string
}

variable "soft_delete_days" {
  description = "Days a deleted object stays restorable (7 to 90)."
  type        = number
  default     = 7

  validation {
    condition     = var.soft_delete_days >= 7 && var.soft_delete_days <= 90
    error_message = "soft_delete_days must be between 7 and 90."
  }
}

variable "bucket_iam" {
  description = "Zone => role => members granted on that bucket (e.g. raw => roles/storage.objectViewer => [...])."
  type        = map(map(list(string)))
  default     = {}
}

variable "labels" {
  description = "Labels added to every bucket."
  type        = map(string)
  default     = {}
}
