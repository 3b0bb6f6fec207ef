variable "project" {
  description = "GCP project that holds the datasets."
  type        = string
}

variable "location" {
  description = "BigQuery location of the datasets (BIGQUERY_LOCATION); the taxonomy and data policies use it too."
  type        = string
  default     = "US"
}

variable "raw_dataset_id" {
  description = "Dataset of the BigLake tables over the raw bucket."
  type        = string
  default     = "user_analytics_raw"
}

variable "reporting_dataset_id" {
  description = "Dataset of the authorized reporting views."
  type        = string
  default     = "user_analytics_reporting"
}

variable "raw_bucket" {
  description = "The raw zone bucket (GCS_BUCKET_RAW) the BigLake tables read."
  type        = string
}

variable "raw_tables" {
  description = "Source tables extracted into the raw zone (schema/source/tables.ts SOURCE_TABLES), one BigLake table each."
  type        = list(string)
  default = [
    "tenants", "permissions", "roles", "role_permissions", "users", "user_roles", "teams", "team_members",
    "legal_holds", "sessions", "auth_events", "activity_events", "api_requests", "collaboration_events",
    "permission_checks",
  ]
}

variable "kms_key" {
  description = "Cloud KMS crypto key id (in the datasets' location) for every dataset and table."
  type        = string
}

variable "pii_readers" {
  description = "Members allowed to read personal-data columns in clear (e.g. group:dpo@hire10x.com)."
  type        = list(string)
  default     = []
}

variable "pii_masked_analysts" {
  description = "Members who see personal-data columns as SHA-256 hashes (joinable, not readable)."
  type        = list(string)
  default     = []
}

variable "pii_masked_readers" {
  description = "Members who see personal-data columns as NULL."
  type        = list(string)
  default     = []
}

variable "dataset_iam" {
  description = "Dataset key (raw, processed, reporting) => role => members."
  type        = map(map(list(string)))
  default     = {}
}

variable "slot_reservation" {
  description = "Optional BigQuery editions reservation assigned to the project's query jobs; off by default."
  type = object({
    enabled             = bool
    edition             = optional(string, "STANDARD")
    baseline_slots      = optional(number, 0)
    autoscale_max_slots = optional(number, 100)
  })
  default = {
    enabled = false
  }
}

variable "labels" {
  description = "Labels added to every dataset and table."
  type        = map(string)
  default     = {}
}

variable "deletion_protection" {
  description = "Refuse to destroy tables that hold data."
  type        = bool
  default     = true
}
