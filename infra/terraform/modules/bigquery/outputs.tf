output "datasets" {
  description = "Dataset id per layer (raw, processed, reporting); processed is BIGQUERY_DATASET."
  value       = { for key, d in google_bigquery_dataset.dataset : key => d.dataset_id }
}

output "pii_policy_tag" {
  description = "Full resource name of the policy tag on personal-data columns."
  value       = google_data_catalog_policy_tag.pii.name
}

output "raw_lake_connection" {
  description = "The BigLake connection over the raw bucket."
  value       = google_bigquery_connection.raw_lake.name
}
