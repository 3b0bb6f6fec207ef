# The user-events bus on Pub/Sub, named as adapters/event-bus/pubsub.ts derives them from PUBSUB_TOPIC:
#   <topic>                                     the base topic (the workers' health probe reads it)
#   <topic>.events.user-module.<n>              one topic per shard (stream events:user-module:<n>, n < STREAM_SHARDS)
#   <topic>.events.user-module.<n>--analytics-stream   the stream consumer's subscription (group analytics-stream)
#   <topic>.events.user-module.<n>.dlq          the shard's dead letters (the consumer publishes refusals with reasons;
#                                               Pub/Sub forwards messages past max_delivery_attempts here too)
#   <topic>.events.user-module.<n>.dlq--reader  what `analytics stream dead-letters` reads
# plus a Cloud Storage subscription per shard that archives every raw event. No topic schema: events are JSON checked
# by the consumer against schema/events, which dead-letters a bad one with its reason; a schema would reject it at
# publish and lose it.

locals {
  shards = { for n in range(var.stream_shards) : tostring(n) => "${var.topic}.${var.stream_prefix}.${n}" }

  dlq = { for n, topic in local.shards : n => "${topic}.dlq" }

  retention = "${var.message_retention_days * 86400}s"

  pubsub_agent = "serviceAccount:service-${var.project_number}@gcp-sa-pubsub.iam.gserviceaccount.com"

  publish_grants = merge([
    for n, topic in local.shards : { for member in var.publishers : "${n}/${member}" => { shard = n, member = member } }
  ]...)
  subscribe_grants = merge([
    for n, topic in local.shards : { for member in var.subscribers : "${n}/${member}" => { shard = n, member = member } }
  ]...)
}

resource "google_pubsub_topic" "base" {
  project      = var.project
  name         = var.topic
  kms_key_name = var.kms_key
  labels       = var.labels

  message_storage_policy {
    allowed_persistence_regions = [var.region]
  }
}

resource "google_pubsub_topic" "shard" {
  for_each = local.shards

  project                    = var.project
  name                       = each.value
  kms_key_name               = var.kms_key
  labels                     = merge(var.labels, { shard = each.key })
  message_retention_duration = local.retention

  message_storage_policy {
    allowed_persistence_regions = [var.region]
  }
}

resource "google_pubsub_topic" "dlq" {
  for_each = local.dlq

  project      = var.project
  name         = each.value
  kms_key_name = var.kms_key
  labels       = merge(var.labels, { shard = each.key, dead_letter = "true" })

  message_storage_policy {
    allowed_persistence_regions = [var.region]
  }
}

resource "google_pubsub_subscription" "consumer" {
  for_each = local.shards

  project = var.project
  name    = "${each.value}--${var.consumer_group}"
  topic   = google_pubsub_topic.shard[each.key].id
  labels  = merge(var.labels, { shard = each.key })

  # The consumer acknowledges a batch after its commit; a crashed consumer's batch comes back after this.
  ack_deadline_seconds       = var.ack_deadline_seconds
  message_retention_duration = local.retention
  retain_acked_messages      = false

  expiration_policy {
    ttl = ""
  }

  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }

  # The consumer dead-letters a bad event itself (with the reason); this catches a poison message it never got to.
  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dlq[each.key].id
    max_delivery_attempts = var.max_delivery_attempts
  }
}

resource "google_pubsub_subscription" "dlq_reader" {
  for_each = local.dlq

  project                    = var.project
  name                       = "${each.value}--reader"
  topic                      = google_pubsub_topic.dlq[each.key].id
  labels                     = merge(var.labels, { shard = each.key, dead_letter = "true" })
  ack_deadline_seconds       = 60
  message_retention_duration = local.retention

  expiration_policy {
    ttl = ""
  }
}

# Raw events archived as Avro files into the archive bucket (events/<shard topic>/YYYY-MM-DD/...), deleted by the
# archive bucket's lifecycle rule. Off by default (var.archive_subscription): the GDPR erasure saga does not scan
# these Avro files, so a subject's events would outlive an erasure certificate. The stream consumer's own hourly
# Parquet archive in the raw zone is the erasable archive.
resource "google_pubsub_subscription" "archive" {
  for_each = var.archive_subscription ? local.shards : {}

  project = var.project
  name    = "${each.value}--archive"
  topic   = google_pubsub_topic.shard[each.key].id
  labels  = merge(var.labels, { shard = each.key })

  message_retention_duration = local.retention

  expiration_policy {
    ttl = ""
  }

  cloud_storage_config {
    bucket                   = var.archive_bucket
    filename_prefix          = "events/${each.value}/"
    filename_suffix          = ".avro"
    filename_datetime_format = "YYYY-MM-DD/hh_mm_ssZ"
    max_duration             = "300s"
    max_bytes                = 104857600

    avro_config {
      write_metadata = true
    }
  }

  depends_on = [google_storage_bucket_iam_member.archive_writer, google_storage_bucket_iam_member.archive_bucket_reader]
}

resource "google_storage_bucket_iam_member" "archive_writer" {
  count  = var.archive_subscription ? 1 : 0
  bucket = var.archive_bucket
  role   = "roles/storage.objectCreator"
  member = local.pubsub_agent
}

resource "google_storage_bucket_iam_member" "archive_bucket_reader" {
  count  = var.archive_subscription ? 1 : 0
  bucket = var.archive_bucket
  role   = "roles/storage.legacyBucketReader"
  member = local.pubsub_agent
}

# Dead-lettering by Pub/Sub needs its service agent to publish to the dead-letter topic and to acknowledge on the
# source subscription.
resource "google_pubsub_topic_iam_member" "dlq_agent" {
  for_each = local.dlq

  project = var.project
  topic   = google_pubsub_topic.dlq[each.key].name
  role    = "roles/pubsub.publisher"
  member  = local.pubsub_agent
}

resource "google_pubsub_subscription_iam_member" "consumer_agent" {
  for_each = local.shards

  project      = var.project
  subscription = google_pubsub_subscription.consumer[each.key].name
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_agent
}

resource "google_pubsub_topic_iam_member" "publishers" {
  for_each = local.publish_grants

  project = var.project
  topic   = google_pubsub_topic.shard[each.value.shard].name
  role    = "roles/pubsub.publisher"
  member  = each.value.member
}

resource "google_pubsub_subscription_iam_member" "subscribers" {
  for_each = local.subscribe_grants

  project      = var.project
  subscription = google_pubsub_subscription.consumer[each.value.shard].name
  role         = "roles/pubsub.subscriber"
  member       = each.value.member
}

# The consumer publishes refusals to the dead-letter topic and the CLI reads them back.
resource "google_pubsub_topic_iam_member" "dlq_publishers" {
  for_each = local.subscribe_grants

  project = var.project
  topic   = google_pubsub_topic.dlq[each.value.shard].name
  role    = "roles/pubsub.publisher"
  member  = each.value.member
}

resource "google_pubsub_subscription_iam_member" "dlq_readers" {
  for_each = local.subscribe_grants

  project      = var.project
  subscription = google_pubsub_subscription.dlq_reader[each.value.shard].name
  role         = "roles/pubsub.subscriber"
  member       = each.value.member
}

# The bus checks that a topic or subscription exists before it uses it (adapters/event-bus/pubsub.ts ensureTopic,
# ensureSubscription), and the health probe reads the base topic: metadata reads for everyone who uses the bus.
resource "google_pubsub_topic_iam_member" "viewers" {
  for_each = merge([
    for member in distinct(concat(var.publishers, var.subscribers)) : merge(
      { "base/${member}" = { topic = google_pubsub_topic.base.name, member = member } },
      { for n, t in google_pubsub_topic.shard : "shard/${n}/${member}" => { topic = t.name, member = member } },
      { for n, t in google_pubsub_topic.dlq : "dlq/${n}/${member}" => { topic = t.name, member = member } },
    )
  ]...)

  project = var.project
  topic   = each.value.topic
  role    = "roles/pubsub.viewer"
  member  = each.value.member
}

resource "google_pubsub_subscription_iam_member" "viewers" {
  for_each = merge([
    for member in var.subscribers : merge(
      { for n, s in google_pubsub_subscription.consumer : "consumer/${n}/${member}" => { subscription = s.name, member = member } },
      { for n, s in google_pubsub_subscription.dlq_reader : "dlq/${n}/${member}" => { subscription = s.name, member = member } },
    )
  ]...)

  project      = var.project
  subscription = each.value.subscription
  role         = "roles/pubsub.viewer"
  member       = each.value.member
}
