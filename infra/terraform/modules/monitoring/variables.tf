variable "project" {
  description = "GCP project monitored."
  type        = string
}

variable "pubsub_topic" {
  description = "PUBSUB_TOPIC, to select the shard topics in the streaming dashboard."
  type        = string
}

variable "alerts_topic" {
  description = "Topic id of the alerts (the functions module's); the Pub/Sub notification channel publishes there."
  type        = string
}

variable "alert_emails" {
  description = "E-mail addresses paged besides the alerts topic."
  type        = list(string)
  default     = []
}

variable "gke_namespace" {
  description = "Kubernetes namespace of the workers and the API (whose logs are counted)."
  type        = string
  default     = "hire10x-analytics"
}

variable "metric_prefix" {
  description = "Prefix of the log-based metric names."
  type        = string
  default     = "hire10x_"
}

variable "error_log_threshold" {
  description = "Error logs per component in 5 minutes that page."
  type        = number
  default     = 10
}

variable "stream_lag_seconds" {
  description = "Age of the oldest unacknowledged event that pages."
  type        = number
  default     = 600
}

variable "api_5xx_ratio" {
  description = "Share of API requests failing with 5xx that pages."
  type        = number
  default     = 0.05
}
