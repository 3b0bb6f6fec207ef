output "dataset_id" {
  description = "The BigQuery dataset id."
  value       = google_bigquery_dataset.user_analytics.dataset_id
}

output "pii_policy_tag" {
  description = "Full resource name of the policy tag on personal-data columns."
  value       = google_data_catalog_policy_tag.pii.name
}
