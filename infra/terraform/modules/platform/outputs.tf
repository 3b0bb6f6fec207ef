output "worker_env" {
  description = "The workers' environment for this deployment (config/schema.ts keys)."
  value = {
    PLATFORM             = "gcp"
    GCP_PROJECT_ID       = var.project
    GCP_REGION           = var.region
    GCS_BUCKET_RAW       = module.storage.buckets["raw"]
    GCS_BUCKET_PROCESSED = module.storage.buckets["processed"]
    GCS_BUCKET_ARCHIVE   = module.storage.buckets["archive"]
    BIGQUERY_DATASET     = module.bigquery.datasets["processed"]
    BIGQUERY_LOCATION    = var.data_location
    PUBSUB_TOPIC         = module.pubsub.topic
    STREAM_SHARDS        = tostring(var.stream_shards)
    DATAPROC_JOBS_URI    = module.dataproc.jobs_uri
    DATAPROC_REGION      = var.region
    ALERTS_TOPIC         = module.functions.alerts_topic
    QUARANTINE_BUCKET    = module.functions.quarantine_bucket
  }
}

output "dataproc_cluster_config" {
  description = "Content of the file DATAPROC_CLUSTER_CONFIG names (JSON): autoscaling policy, service account, subnet."
  value       = module.dataproc.cluster_config
}

output "service_accounts" {
  description = "Service account email per component."
  value       = module.iam.emails
}

output "secrets" {
  description = "Secret ids to add versions to."
  value       = module.iam.secrets
}

output "event_processor_url" {
  description = "The event ingest endpoint."
  value       = module.functions.event_processor_url
}

output "composer_dag_prefix" {
  description = "Where Composer reads DAGs (null without Composer)."
  value       = one(module.composer[*].dag_gcs_prefix)
}

output "datasets" {
  description = "BigQuery dataset per layer."
  value       = module.bigquery.datasets
}
