variable "project" {
  description = "GCP project id."
  type        = string
}

variable "env" {
  description = "Environment name."
  type        = string
}

variable "region" {
  description = "GCP_REGION."
  type        = string
}

variable "data_location" {
  description = "BIGQUERY_LOCATION, also the lake buckets' location."
  type        = string
}

variable "buckets" {
  description = "GCS_BUCKET_RAW / _PROCESSED / _ARCHIVE per zone."
  type        = map(string)
}

variable "bucket_prefix" {
  description = "Prefix of the staging and function-source buckets."
  type        = string
}

variable "pubsub_topic" {
  description = "PUBSUB_TOPIC."
  type        = string
}

variable "stream_shards" {
  description = "STREAM_SHARDS."
  type        = number
}

variable "pii_readers" {
  description = "Members who read personal data in clear."
  type        = list(string)
  default     = []
}

variable "pii_masked_analysts" {
  description = "Members who read personal data as SHA-256."
  type        = list(string)
  default     = []
}

variable "reporting_viewers" {
  description = "Members who read the reporting dataset."
  type        = list(string)
  default     = []
}

variable "slot_reservation" {
  description = "Optional BigQuery slot reservation."
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

variable "deletion_protection" {
  description = "Refuse to destroy BigQuery tables."
  type        = bool
  default     = true
}

variable "event_processor_invokers" {
  description = "Members allowed to call the event ingest function."
  type        = list(string)
  default     = []
}

variable "dataproc_max_secondary_workers" {
  description = "Most spot secondaries of the daily clusters."
  type        = number
  default     = 10
}

variable "dataproc_dev_cluster" {
  description = "Create the persistent development cluster."
  type        = bool
  default     = false
}

variable "dataproc_adhoc_cluster" {
  description = "Create the ad-hoc analysis cluster."
  type        = bool
  default     = false
}

variable "composer_enabled" {
  description = "Create the Composer environment."
  type        = bool
  default     = true
}

variable "temporal_namespace" {
  description = "TEMPORAL_NAMESPACE."
  type        = string
  default     = "default"
}

variable "temporal_ui_url" {
  description = "TEMPORAL_UI_URL."
  type        = string
}

variable "alert_emails" {
  description = "E-mail addresses paged by alerts."
  type        = list(string)
  default     = []
}
