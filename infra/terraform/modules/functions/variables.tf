variable "project" {
  description = "GCP project of the functions."
  type        = string
}

variable "region" {
  description = "Region of the functions and the alerts topic."
  type        = string
}

variable "source_dir" {
  description = "Local path of the repository's functions/ folder (zipped and uploaded)."
  type        = string
}

variable "source_bucket" {
  description = "Name of the bucket holding the functions' source zips."
  type        = string
}

variable "runtime" {
  description = "Cloud Functions runtime (the project's Node.js major)."
  type        = string
  default     = "nodejs20"
}

variable "service_accounts" {
  description = "Service account email per function (iam module: fn-event-processor, fn-data-validation, fn-alert-handler)."
  type = object({
    event_processor = string
    data_validation = string
    alert_handler   = string
  })
}

variable "kms_key_storage" {
  description = "Cloud KMS crypto key id (in the region) for the source bucket."
  type        = string
}

variable "kms_key_data" {
  description = "Cloud KMS crypto key id in the raw bucket's location, for the quarantine bucket."
  type        = string
}

variable "quarantine_bucket" {
  description = "QUARANTINE_BUCKET: where dataValidation moves refused raw objects."
  type        = string
  default     = "hire10x-quarantine"
}

variable "quarantine_days" {
  description = "Days a quarantined object is kept for inspection before it is deleted."
  type        = number
  default     = 30
}

variable "kms_key_pubsub" {
  description = "Cloud KMS crypto key id (in the region) for the alerts topic."
  type        = string
}

variable "pubsub_topic" {
  description = "PUBSUB_TOPIC: base of the shard topics the event processor publishes to."
  type        = string
}

variable "stream_shards" {
  description = "STREAM_SHARDS: how the event processor routes a tenant to a shard."
  type        = number
}

variable "raw_bucket" {
  description = "GCS_BUCKET_RAW: the bucket whose finalized objects dataValidation checks."
  type        = string
}

variable "raw_bucket_location" {
  description = "Location of the raw bucket (the storage trigger's region, e.g. us for US)."
  type        = string
}

variable "alerts_topic" {
  description = "Topic id of the alerts (pipeline failures, SLA misses, security incidents) the alert handler forwards."
  type        = string
  default     = "hire10x-alerts"
}

variable "alert_publishers" {
  description = "Members that publish alerts (the workers, the Monitoring notification agent)."
  type        = list(string)
  default     = []
}

variable "webhook_secret" {
  description = "Secret Manager secret id of the Slack-compatible webhook URL (NOTIFY_WEBHOOK_URL)."
  type        = string
}

variable "event_processor_ingress" {
  description = "Who can reach the HTTP ingest at the network level (callers also need roles/run.invoker); an application outside the VPC needs a load balancer (ALLOW_INTERNAL_AND_GCLB) in front."
  type        = string
  default     = "ALLOW_INTERNAL_AND_GCLB"

  validation {
    condition     = contains(["ALLOW_INTERNAL_ONLY", "ALLOW_INTERNAL_AND_GCLB"], var.event_processor_ingress)
    error_message = "event_processor_ingress must be ALLOW_INTERNAL_ONLY or ALLOW_INTERNAL_AND_GCLB (never ALLOW_ALL)."
  }
}

variable "event_processor_max_instances" {
  description = "Most instances of the ingest function."
  type        = number
  default     = 20
}

variable "event_processor_invokers" {
  description = "Members allowed to call the ingest endpoint (the application's service account)."
  type        = list(string)
  default     = []
}

variable "labels" {
  description = "Labels added to every function, bucket and topic."
  type        = map(string)
  default     = {}
}
