variable "project" {
  description = "GCP project of the service accounts and secrets."
  type        = string
}

variable "region" {
  description = "Region the secrets are replicated to."
  type        = string
}

variable "name_prefix" {
  description = "Prefix of the service account ids (account ids are 6-30 characters)."
  type        = string
  default     = "h10x"
}

variable "gke_enabled" {
  description = "Bind the workers' and API's Kubernetes service accounts through Workload Identity."
  type        = bool
  default     = true
}

variable "gke_namespace" {
  description = "Kubernetes namespace of the workers and the API."
  type        = string
  default     = "hire10x-analytics"
}

variable "secrets" {
  description = "Secret Manager secret id => the environment variable it feeds (config/schema.ts)."
  type        = map(string)
  default = {
    payload-codec-keys = "PAYLOAD_CODEC_KEYS"
    gdpr-subject-key   = "GDPR_SUBJECT_KEY"
    notify-webhook-url = "NOTIFY_WEBHOOK_URL"
    # The Composer operator's connection, with the codec keys in extra.payload_codec_keys (dags/README.md).
    airflow-connections-temporal_default = "AIRFLOW_CONN_TEMPORAL_DEFAULT"
  }
}

variable "secret_accessors" {
  description = "Secret id => components (service accounts of this module) that may read its versions."
  type        = map(list(string))
  default = {
    payload-codec-keys                   = ["worker-etl", "worker-gdpr", "worker-stream", "api"]
    gdpr-subject-key                     = ["worker-gdpr", "api"]
    notify-webhook-url                   = ["worker-etl", "worker-gdpr", "worker-stream", "fn-alert-handler"]
    airflow-connections-temporal_default = ["composer"]
  }
}

variable "labels" {
  description = "Labels added to every secret."
  type        = map(string)
  default     = {}
}
