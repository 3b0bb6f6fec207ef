variable "project" {
  description = "GCP project that holds the dataset."
  type        = string
}

variable "location" {
  description = "BigQuery location of the dataset (the policy-tag taxonomy is created in the same location)."
  type        = string
  default     = "EU"
}

variable "pii_readers" {
  description = "Members allowed to read personal-data columns in clear (e.g. group:dpo@hire10x.com)."
  type        = list(string)
  default     = []
}

variable "labels" {
  description = "Labels added to the dataset and every table."
  type        = map(string)
  default     = {}
}

variable "deletion_protection" {
  description = "Refuse to destroy tables that hold data."
  type        = bool
  default     = true
}
