variable "project" {
  description = "GCP project id of the environment."
  type        = string
}

variable "env" {
  description = "Environment name (dev, prod): labels, key ring and network names."
  type        = string
}

variable "region" {
  description = "Compute region: GCP_REGION (config/schema.ts)."
  type        = string
  default     = "us-central1"
}

variable "data_location" {
  description = "Location of the lake buckets and BigQuery datasets: BIGQUERY_LOCATION (config/schema.ts)."
  type        = string
  default     = "US"
}

variable "repo_root" {
  description = "Path of the repository checkout (jobs/, dags/, functions/, dist/jobs.zip are read from it)."
  type        = string
}

variable "buckets" {
  description = "Lake bucket per zone: GCS_BUCKET_RAW / _PROCESSED / _ARCHIVE."
  type        = map(string)
  default = {
    raw       = "hire10x-raw"
    processed = "hire10x-processed"
    archive   = "hire10x-archive"
  }
}

variable "bucket_prefix" {
  description = "Prefix of the platform's other buckets (Dataproc staging, function sources); bucket names are global."
  type        = string
  default     = "hire10x"
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

variable "pubsub_topic" {
  description = "PUBSUB_TOPIC (config/schema.ts)."
  type        = string
  default     = "hire10x-user-events"
}

variable "stream_shards" {
  description = "STREAM_SHARDS (config/schema.ts)."
  type        = number
  default     = 2
}

variable "stream_retention_days" {
  description = "Days Pub/Sub keeps events: keepDays of events:* in schema/retention/policy.ts."
  type        = number
  default     = 7
}

variable "alerts_topic" {
  description = "Topic id of the alerts."
  type        = string
  default     = "hire10x-alerts"
}

variable "subnet_cidr" {
  description = "CIDR of the data subnetwork (Dataproc, Composer)."
  type        = string
  default     = "10.20.0.0/20"
}

variable "service_account_prefix" {
  description = "Prefix of the service account ids."
  type        = string
  default     = "h10x"
}

variable "gke_enabled" {
  description = "Bind the GKE workloads' service accounts through Workload Identity."
  type        = bool
  default     = true
}

variable "gke_namespace" {
  description = "Kubernetes namespace of the workers and the API."
  type        = string
  default     = "hire10x-analytics"
}

variable "pii_readers" {
  description = "Members who read personal-data columns in clear."
  type        = list(string)
  default     = []
}

variable "pii_masked_analysts" {
  description = "Members who read personal-data columns as SHA-256."
  type        = list(string)
  default     = []
}

variable "pii_masked_readers" {
  description = "Members who read personal-data columns as NULL."
  type        = list(string)
  default     = []
}

variable "reporting_viewers" {
  description = "Members (dashboards, Looker's service account, analysts) who read the reporting dataset."
  type        = list(string)
  default     = []
}

variable "raw_viewers" {
  description = "Members who query the raw BigLake tables."
  type        = list(string)
  default     = []
}

variable "slot_reservation" {
  description = "Optional BigQuery slot reservation (off by default)."
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
  description = "Refuse to destroy BigQuery tables that hold data."
  type        = bool
  default     = true
}

variable "event_processor_invokers" {
  description = "Members allowed to call the event ingest function."
  type        = list(string)
  default     = []
}

variable "dataproc_max_secondary_workers" {
  description = "Most spot secondary workers the daily autoscaling policy adds."
  type        = number
  default     = 10
}

variable "dataproc_dev_cluster" {
  description = "Create the persistent development cluster."
  type        = bool
  default     = false
}

variable "dataproc_adhoc_cluster" {
  description = "Create the ad-hoc analysis cluster (Jupyter, idle delete)."
  type        = bool
  default     = false
}

variable "composer_enabled" {
  description = "Create the Composer environment."
  type        = bool
  default     = true
}

variable "temporal_namespace" {
  description = "TEMPORAL_NAMESPACE for the DAGs."
  type        = string
  default     = "default"
}

variable "temporal_ui_url" {
  description = "TEMPORAL_UI_URL for the DAGs' links."
  type        = string
}

variable "alert_emails" {
  description = "E-mail addresses paged by the alert policies."
  type        = list(string)
  default     = []
}

variable "labels" {
  description = "Labels added to every resource that takes labels."
  type        = map(string)
  default     = {}
}
