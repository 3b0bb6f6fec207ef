variable "project" {
  description = "GCP project that holds the lake buckets."
  type        = string
}

variable "location" {
  description = "Location of the buckets (same as the BigQuery dataset, so loads stay in region)."
  type        = string
  default     = "EU"
}

variable "buckets" {
  description = "Bucket name per lake zone; the workers' GCS_BUCKET_RAW / _PROCESSED / _ARCHIVE."
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

variable "labels" {
  description = "Labels added to every bucket."
  type        = map(string)
  default     = {}
}
