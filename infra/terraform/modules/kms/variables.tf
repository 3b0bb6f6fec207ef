variable "project" {
  description = "GCP project that holds the key rings."
  type        = string
}

variable "data_location" {
  description = "Location of the lake buckets and BigQuery datasets (e.g. US); the data key ring lives there."
  type        = string
}

variable "region" {
  description = "Compute region (Pub/Sub, Dataproc, functions); the regional key ring lives there."
  type        = string
}

variable "name_prefix" {
  description = "Prefix of the key ring names (key rings cannot be deleted, so a new prefix is a new ring)."
  type        = string
  default     = "hire10x"
}

variable "rotation_period" {
  description = "Automatic key rotation period (at most 90 days)."
  type        = string
  default     = "7776000s"

  validation {
    condition     = tonumber(trimsuffix(var.rotation_period, "s")) <= 7776000
    error_message = "rotation_period must be at most 7776000s (90 days)."
  }
}

variable "labels" {
  description = "Labels added to every key."
  type        = map(string)
  default     = {}
}
