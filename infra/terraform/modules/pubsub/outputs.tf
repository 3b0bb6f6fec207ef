output "topic" {
  description = "The base topic id (PUBSUB_TOPIC)."
  value       = google_pubsub_topic.base.name
}

output "shard_topics" {
  description = "Topic id per shard."
  value       = { for n, t in google_pubsub_topic.shard : n => t.name }
}

output "consumer_subscriptions" {
  description = "The stream consumer's subscription per shard."
  value       = { for n, s in google_pubsub_subscription.consumer : n => s.name }
}

output "dead_letter_subscriptions" {
  description = "The dead-letter reader subscription per shard (monitored for a backlog)."
  value       = { for n, s in google_pubsub_subscription.dlq_reader : n => s.name }
}
