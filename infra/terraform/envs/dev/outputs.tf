output "worker_env" {
  description = "The workers' environment variables for this deployment."
  value       = module.platform.worker_env
}

output "dataproc_cluster_config" {
  description = "The file DATAPROC_CLUSTER_CONFIG names (JSON)."
  value       = module.platform.dataproc_cluster_config
}

output "service_accounts" {
  description = "Service account email per component."
  value       = module.platform.service_accounts
}

output "secrets" {
  description = "Secret ids to add versions to."
  value       = module.platform.secrets
}

output "event_processor_url" {
  description = "The event ingest endpoint."
  value       = module.platform.event_processor_url
}

output "composer_dag_prefix" {
  description = "Where Composer reads DAGs."
  value       = module.platform.composer_dag_prefix
}
