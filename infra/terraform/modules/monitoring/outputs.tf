output "dashboards" {
  description = "Dashboard id per dashboards/*.json file."
  value       = { for name, d in google_monitoring_dashboard.dashboard : name => d.id }
}

output "notification_channels" {
  description = "Notification channel ids the alert policies page."
  value       = local.channels
}
