output "keys" {
  description = "Crypto key id per use (storage, bigquery, storage-regional, pubsub, dataproc), once its agents may use it."
  value       = { for name, key in google_kms_crypto_key.key : name => key.id }
  depends_on  = [google_kms_crypto_key_iam_member.agents]
}

output "project_number" {
  description = "The project's number (service agent emails are built from it)."
  value       = data.google_project.this.number
}
