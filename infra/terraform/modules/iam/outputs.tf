output "emails" {
  description = "Service account email per component."
  value       = { for name, sa in google_service_account.component : name => sa.email }
}

output "members" {
  description = "IAM member string (serviceAccount:...) per component."
  value       = { for name, sa in google_service_account.component : name => sa.member }
}

output "secrets" {
  description = "Secret id per secret, for secret environment variables."
  value       = { for name, s in google_secret_manager_secret.secret : name => s.secret_id }
}
