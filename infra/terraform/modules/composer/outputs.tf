output "dag_gcs_prefix" {
  description = "Where Composer reads DAGs from (gs://<bucket>/dags)."
  value       = google_composer_environment.this.config[0].dag_gcs_prefix
}

output "airflow_uri" {
  description = "The Airflow web UI."
  value       = google_composer_environment.this.config[0].airflow_uri
}
