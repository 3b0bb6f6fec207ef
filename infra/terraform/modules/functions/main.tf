# Cloud Functions (2nd gen) written in TypeScript in functions/ (its own package; Cloud Build runs its gcp-build
# script), deployed from one zip of that folder:
#   eventProcessor  HTTP ingest of the application's events -> the shard topics (bad events: 400 with the reason)
#   dataValidation  object finalize in the raw bucket -> checks against the table's schema, quarantines bad files
#   alertHandler    the alerts topic -> a Slack-compatible webhook (dedupe, rate limit)
# Each runs as its own service account (iam module) and is invoked only by who must invoke it: no allUsers.

locals {
  functions = {
    event-processor = {
      entry_point     = "eventProcessor"
      service_account = var.service_accounts.event_processor
      ingress         = var.event_processor_ingress
      memory          = "256M"
      max_instances   = var.event_processor_max_instances
    }
    data-validation = {
      entry_point     = "dataValidation"
      service_account = var.service_accounts.data_validation
      ingress         = "ALLOW_INTERNAL_ONLY"
      memory          = "512M"
      max_instances   = 10
    }
    alert-handler = {
      entry_point     = "alertHandler"
      service_account = var.service_accounts.alert_handler
      ingress         = "ALLOW_INTERNAL_ONLY"
      memory          = "256M"
      # One instance: the dedupe window and the rate limit live in its memory.
      max_instances = 1
    }
  }

  # What every function reads (config/schema.ts names).
  environment = {
    PLATFORM          = "gcp"
    GCP_PROJECT_ID    = var.project
    GCP_REGION        = var.region
    PUBSUB_TOPIC      = var.pubsub_topic
    STREAM_SHARDS     = tostring(var.stream_shards)
    GCS_BUCKET_RAW    = var.raw_bucket
    QUARANTINE_BUCKET = google_storage_bucket.quarantine.name
    ALERTS_TOPIC      = google_pubsub_topic.alerts.name
    # alertHandler runs as one instance (max_instance_count 1), so its dedupe and rate-limit state is in memory.
    ALERT_STATE_STORE = "memory"
    LOG_LEVEL         = "INFO"
  }

  gcs_agent = "serviceAccount:${data.google_storage_project_service_account.gcs.email_address}"
}

data "google_storage_project_service_account" "gcs" {
  project = var.project
}

data "archive_file" "source" {
  type        = "zip"
  source_dir  = var.source_dir
  output_path = "${path.root}/.build/functions.zip"
  # dist/ is the build (`npm run functions:build` before apply; package.json's main points into it).
  excludes = ["node_modules"]
}

resource "google_storage_bucket" "source" {
  #checkov:skip=CKV_GCP_62:Usage logs are replaced by Cloud Audit Logs data-access logs (iam module, storage.googleapis.com).
  #checkov:skip=CKV_GCP_78:Each deploy uploads a new object named by its hash; old sources are deleted by lifecycle.
  project                     = var.project
  name                        = var.source_bucket
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  labels                      = merge(var.labels, { purpose = "function-sources" })

  encryption {
    default_kms_key_name = var.kms_key_storage
  }

  soft_delete_policy {
    retention_duration_seconds = 7 * 86400
  }

  lifecycle_rule {
    action {
      type = "Delete"
    }
    condition {
      age = 90
    }
  }
}

# Raw objects dataValidation refuses (raw/<key>), kept apart from the lake so no reader, retention or inventory sees
# them; deleted after quarantine_days.
resource "google_storage_bucket" "quarantine" {
  #checkov:skip=CKV_GCP_62:Usage logs are replaced by Cloud Audit Logs data-access logs (iam module, storage.googleapis.com).
  #checkov:skip=CKV_GCP_78:Quarantined copies may hold personal data; versioning would keep them past their deletion.
  project                     = var.project
  name                        = var.quarantine_bucket
  location                    = var.raw_bucket_location
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  labels                      = merge(var.labels, { purpose = "raw-quarantine" })

  encryption {
    default_kms_key_name = var.kms_key_data
  }

  soft_delete_policy {
    retention_duration_seconds = 7 * 86400
  }

  lifecycle_rule {
    action {
      type = "Delete"
    }
    condition {
      age = var.quarantine_days
    }
  }
}

resource "google_storage_bucket_iam_member" "quarantine_writer" {
  bucket = google_storage_bucket.quarantine.name
  role   = "roles/storage.objectCreator"
  member = "serviceAccount:${var.service_accounts.data_validation}"
}

# Named by content: a changed source is a new object, which redeploys the functions.
resource "google_storage_bucket_object" "source" {
  bucket = google_storage_bucket.source.name
  name   = "functions/${data.archive_file.source.output_md5}.zip"
  source = data.archive_file.source.output_path
}

resource "google_pubsub_topic" "alerts" {
  project      = var.project
  name         = var.alerts_topic
  kms_key_name = var.kms_key_pubsub
  labels       = var.labels

  message_storage_policy {
    allowed_persistence_regions = [var.region]
  }
}

# Pipeline failures, SLA misses and security incidents are published here by the workers, dataValidation and
# Cloud Monitoring (a Pub/Sub notification channel, monitoring module).
resource "google_pubsub_topic_iam_member" "alert_publishers" {
  for_each = toset(concat(var.alert_publishers, ["serviceAccount:${var.service_accounts.data_validation}"]))

  project = var.project
  topic   = google_pubsub_topic.alerts.name
  role    = "roles/pubsub.publisher"
  member  = each.value
}

# Object-finalize triggers publish through the Cloud Storage service agent.
resource "google_project_iam_member" "gcs_agent_publisher" {
  project = var.project
  role    = "roles/pubsub.publisher"
  member  = local.gcs_agent
}

resource "google_cloudfunctions2_function" "fn" {
  #checkov:skip=CKV_GCP_124:The ingest takes the application's traffic through a load balancer (ALLOW_INTERNAL_AND_GCLB, validated: never ALLOW_ALL); the event-driven functions are ALLOW_INTERNAL_ONLY; every call needs run.invoker.
  for_each = local.functions

  project     = var.project
  location    = var.region
  name        = "hire10x-${each.key}"
  description = "Hire10x analytics: ${each.value.entry_point} (functions/)."
  labels      = merge(var.labels, { function = each.key })

  build_config {
    runtime     = var.runtime
    entry_point = each.value.entry_point

    source {
      storage_source {
        bucket = google_storage_bucket.source.name
        object = google_storage_bucket_object.source.name
      }
    }
  }

  service_config {
    available_memory               = each.value.memory
    timeout_seconds                = 60
    min_instance_count             = 0
    max_instance_count             = each.value.max_instances
    ingress_settings               = each.value.ingress
    all_traffic_on_latest_revision = true
    service_account_email          = each.value.service_account
    environment_variables          = local.environment

    dynamic "secret_environment_variables" {
      for_each = each.key == "alert-handler" ? [var.webhook_secret] : []

      content {
        key        = "NOTIFY_WEBHOOK_URL"
        project_id = var.project
        secret     = secret_environment_variables.value
        version    = "latest"
      }
    }
  }

  dynamic "event_trigger" {
    for_each = each.key == "data-validation" ? [1] : []

    content {
      trigger_region        = lower(var.raw_bucket_location)
      event_type            = "google.cloud.storage.object.v1.finalized"
      retry_policy          = "RETRY_POLICY_RETRY"
      service_account_email = each.value.service_account

      event_filters {
        attribute = "bucket"
        value     = var.raw_bucket
      }
    }
  }

  dynamic "event_trigger" {
    for_each = each.key == "alert-handler" ? [1] : []

    content {
      trigger_region        = var.region
      event_type            = "google.cloud.pubsub.topic.v1.messagePublished"
      pubsub_topic          = google_pubsub_topic.alerts.id
      retry_policy          = "RETRY_POLICY_RETRY"
      service_account_email = each.value.service_account
    }
  }

  depends_on = [google_project_iam_member.gcs_agent_publisher]
}

# Eventarc delivers to a function as the trigger's service account; the HTTP function only to named callers.
resource "google_cloud_run_service_iam_member" "invoker" {
  for_each = merge(
    {
      data-validation = "serviceAccount:${var.service_accounts.data_validation}"
      alert-handler   = "serviceAccount:${var.service_accounts.alert_handler}"
    },
    { for m in var.event_processor_invokers : "event-processor/${m}" => m },
  )

  project  = var.project
  location = var.region
  service  = google_cloudfunctions2_function.fn[split("/", each.key)[0]].service_config[0].service
  role     = "roles/run.invoker"
  member   = each.value
}
