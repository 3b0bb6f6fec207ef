# Cloud Monitoring: the dashboards (dashboards/*.json; the Temporal and API panels read the Prometheus metrics the
# workers and the API export, collected by Managed Service for Prometheus on GKE), log-based metrics for errors and
# SLA misses, alert policies, and the notification channels they page: the alerts topic (the alertHandler function
# forwards to the webhook) and optional e-mail addresses. Error Reporting needs no resource: see infra/README.md.

locals {
  dashboards = {
    for name in fileset("${path.module}/dashboards", "*.json") :
    trimsuffix(name, ".json") => replace(replace(
      file("${path.module}/dashboards/${name}"),
      "{{PUBSUB_TOPIC}}", var.pubsub_topic),
      "{{METRIC_PREFIX}}", var.metric_prefix,
    )
  }

  # Logs of the platform's own code: the GKE workloads and the functions.
  platform_logs = "(resource.type=\"k8s_container\" AND resource.labels.namespace_name=\"${var.gke_namespace}\") OR (resource.type=\"cloud_run_revision\" AND resource.labels.service_name=starts_with(\"hire10x-\"))"

  channels = concat(
    [google_monitoring_notification_channel.alerts_topic.id],
    [for c in google_monitoring_notification_channel.email : c.id],
  )

  pipeline_workflows = "userAnalyticsDaily|dataRetention|userAnalyticsBackfill"
}

resource "google_monitoring_dashboard" "dashboard" {
  for_each = local.dashboards

  project        = var.project
  dashboard_json = each.value
}

resource "google_logging_metric" "errors" {
  project = var.project
  name    = "${var.metric_prefix}errors"
  filter  = "severity>=ERROR AND (${local.platform_logs})"

  label_extractors = {
    component = "EXTRACT(resource.labels.container_name)"
  }

  metric_descriptor {
    metric_kind  = "DELTA"
    value_type   = "INT64"
    display_name = "Hire10x analytics errors"

    labels {
      key         = "component"
      value_type  = "STRING"
      description = "Container (worker-etl, worker-gdpr, worker-stream, api) or empty for functions."
    }
  }
}

resource "google_logging_metric" "sla_misses" {
  project = var.project
  name    = "${var.metric_prefix}sla_misses"
  filter  = "(${local.platform_logs}) AND (textPayload:\"SLA missed\" OR jsonPayload.message:\"SLA missed\")"

  metric_descriptor {
    metric_kind  = "DELTA"
    value_type   = "INT64"
    display_name = "Hire10x analytics SLA misses"
  }
}

resource "google_logging_metric" "quarantined_files" {
  project = var.project
  name    = "${var.metric_prefix}quarantined_files"
  filter  = "resource.type=\"cloud_run_revision\" AND resource.labels.service_name=\"hire10x-data-validation\" AND (textPayload:\"quarantine\" OR jsonPayload.message:\"quarantine\")"

  metric_descriptor {
    metric_kind  = "DELTA"
    value_type   = "INT64"
    display_name = "Raw files quarantined by dataValidation"
  }
}

resource "google_monitoring_notification_channel" "alerts_topic" {
  project      = var.project
  display_name = "Hire10x alerts topic (alertHandler -> webhook)"
  type         = "pubsub"

  labels = {
    topic = "projects/${var.project}/topics/${var.alerts_topic}"
  }
}

resource "google_monitoring_notification_channel" "email" {
  for_each = toset(var.alert_emails)

  project      = var.project
  display_name = "Hire10x on-call ${each.value}"
  type         = "email"

  labels = {
    email_address = each.value
  }
}

resource "google_monitoring_alert_policy" "pipeline_failed" {
  project               = var.project
  display_name          = "Hire10x: pipeline workflow failed"
  combiner              = "OR"
  notification_channels = local.channels
  severity              = "ERROR"

  conditions {
    display_name = "A daily, retention or backfill workflow failed"

    condition_prometheus_query_language {
      query    = "sum(increase({__name__=~\"temporal_workflow_failed(_total)?\", workflow_type=~\"${local.pipeline_workflows}\"}[10m])) > 0"
      duration = "0s"
    }
  }

  documentation {
    content   = "A pipeline workflow failed. Open the Temporal UI filtered by the Pipeline search attribute, then `analytics run status`."
    mime_type = "text/markdown"
  }
}

resource "google_monitoring_alert_policy" "sla_missed" {
  project               = var.project
  display_name          = "Hire10x: SLA missed"
  combiner              = "OR"
  notification_channels = local.channels
  severity              = "WARNING"

  conditions {
    display_name = "The pipeline watchdog logged an SLA miss"

    condition_threshold {
      filter          = "metric.type=\"logging.googleapis.com/user/${google_logging_metric.sla_misses.name}\" AND resource.type=\"k8s_container\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"

      aggregations {
        alignment_period   = "300s"
        per_series_aligner = "ALIGN_DELTA"
      }
    }
  }
}

resource "google_monitoring_alert_policy" "error_logs" {
  project               = var.project
  display_name          = "Hire10x: error logs"
  combiner              = "OR"
  notification_channels = local.channels
  severity              = "WARNING"

  conditions {
    display_name = "More than ${var.error_log_threshold} error logs in 5 minutes"

    condition_threshold {
      filter          = "metric.type=\"logging.googleapis.com/user/${google_logging_metric.errors.name}\""
      comparison      = "COMPARISON_GT"
      threshold_value = var.error_log_threshold
      duration        = "0s"

      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_DELTA"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["metric.label.component"]
      }
    }
  }
}

resource "google_monitoring_alert_policy" "stream_lag" {
  project               = var.project
  display_name          = "Hire10x: stream consumer lagging"
  combiner              = "OR"
  notification_channels = local.channels
  severity              = "WARNING"

  conditions {
    display_name = "Oldest unacknowledged event older than ${var.stream_lag_seconds}s"

    condition_threshold {
      filter          = "metric.type=\"pubsub.googleapis.com/subscription/oldest_unacked_message_age\" AND resource.type=\"pubsub_subscription\" AND resource.label.subscription_id=ends_with(\"--analytics-stream\")"
      comparison      = "COMPARISON_GT"
      threshold_value = var.stream_lag_seconds
      duration        = "300s"

      aggregations {
        alignment_period   = "60s"
        per_series_aligner = "ALIGN_MAX"
      }
    }
  }
}

resource "google_monitoring_alert_policy" "dead_letters" {
  project               = var.project
  display_name          = "Hire10x: events dead-lettered"
  combiner              = "OR"
  notification_channels = local.channels
  severity              = "WARNING"

  conditions {
    display_name = "Dead letters waiting on a shard"

    condition_threshold {
      filter          = "metric.type=\"pubsub.googleapis.com/subscription/num_undelivered_messages\" AND resource.type=\"pubsub_subscription\" AND resource.label.subscription_id=ends_with(\".dlq--reader\")"
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "600s"

      aggregations {
        alignment_period   = "300s"
        per_series_aligner = "ALIGN_MAX"
      }
    }
  }

  documentation {
    content   = "Inspect with `analytics stream dead-letters`, fix the producer, then replay."
    mime_type = "text/markdown"
  }
}

resource "google_monitoring_alert_policy" "api_errors" {
  project               = var.project
  display_name          = "Hire10x: API 5xx ratio"
  combiner              = "OR"
  notification_channels = local.channels
  severity              = "ERROR"

  conditions {
    display_name = "More than ${var.api_5xx_ratio * 100}% of API requests fail with 5xx"

    condition_prometheus_query_language {
      query    = "sum(rate(http_request_duration_seconds_count{status_code=~\"5..\"}[5m])) / clamp_min(sum(rate(http_request_duration_seconds_count[5m])), 1e-9) > ${var.api_5xx_ratio}"
      duration = "300s"
    }
  }
}

resource "google_monitoring_alert_policy" "function_errors" {
  project               = var.project
  display_name          = "Hire10x: Cloud Function errors"
  combiner              = "OR"
  notification_channels = local.channels
  severity              = "WARNING"

  conditions {
    display_name = "A function answers 5xx"

    condition_threshold {
      filter          = "metric.type=\"run.googleapis.com/request_count\" AND resource.type=\"cloud_run_revision\" AND resource.label.service_name=starts_with(\"hire10x-\") AND metric.label.response_code_class=\"5xx\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "300s"

      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_DELTA"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["resource.label.service_name"]
      }
    }
  }
}
