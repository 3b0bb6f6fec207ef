output "event_processor_url" {
  description = "HTTPS endpoint of the event ingest function."
  value       = google_cloudfunctions2_function.fn["event-processor"].service_config[0].uri
}

output "alerts_topic" {
  description = "Topic id of the alerts."
  value       = google_pubsub_topic.alerts.name
}

output "quarantine_bucket" {
  description = "QUARANTINE_BUCKET."
  value       = google_storage_bucket.quarantine.name
}

output "functions" {
  description = "Function name per key."
  value       = { for k, f in google_cloudfunctions2_function.fn : k => f.name }
}
