variable "project" {
  description = "GCP project that holds the topics."
  type        = string
}

variable "project_number" {
  description = "The project's number (the Pub/Sub service agent's email is built from it)."
  type        = string
}

variable "region" {
  description = "The only region messages are stored in."
  type        = string
}

variable "topic" {
  description = "Base topic id: PUBSUB_TOPIC (config/schema.ts)."
  type        = string
  default     = "hire10x-user-events"
}

variable "stream_shards" {
  description = "Shards of the user events: STREAM_SHARDS (config/schema.ts). Changing it re-routes tenants: drain first."
  type        = number
  default     = 2

  validation {
    condition     = var.stream_shards >= 1 && var.stream_shards <= 64
    error_message = "stream_shards must be between 1 and 64 (config/schema.ts)."
  }
}

variable "stream_prefix" {
  description = "Shard stream name before its number, with : as . (workflows/stream-contract.ts streamOfShard)."
  type        = string
  default     = "events.user-module"
}

variable "consumer_group" {
  description = "The stream consumer's group (workflows/stream-contract.ts STREAM_CONSUMER_GROUP)."
  type        = string
  default     = "analytics-stream"
}

variable "message_retention_days" {
  description = "Days unacknowledged messages are kept: the retention policy's events:* keepDays (schema/retention/policy.ts)."
  type        = number
  default     = 7
}

variable "ack_deadline_seconds" {
  description = "Seconds a pulled batch stays leased before it is redelivered."
  type        = number
  default     = 60
}

variable "max_delivery_attempts" {
  description = "Deliveries before Pub/Sub moves a message to the shard's dead-letter topic."
  type        = number
  default     = 10
}

variable "archive_bucket" {
  description = "Bucket the raw events are archived into (GCS_BUCKET_ARCHIVE)."
  type        = string
}

variable "kms_key" {
  description = "Cloud KMS crypto key id (in the region) every topic encrypts with."
  type        = string
}

variable "publishers" {
  description = "Members that publish user events to the shard topics."
  type        = list(string)
  default     = []
}

variable "subscribers" {
  description = "Members that consume the shards and manage their dead letters."
  type        = list(string)
  default     = []
}

variable "labels" {
  description = "Labels added to every topic and subscription."
  type        = map(string)
  default     = {}
}

variable "archive_subscription" {
  description = "Also archive raw events as Avro through a Cloud Storage subscription. Off: the GDPR erasure saga does not scan those files."
  type        = bool
  default     = false
}
