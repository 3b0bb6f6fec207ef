# One service account per component, each with only the project-level roles its work needs; access to a bucket,
# dataset, topic or secret is granted on that resource (the modules take member lists), never project-wide.
# Workload Identity lets the GKE workloads (issue 16's Deployments) act as their account without keys.

locals {
  # Component => display name and project-level roles (resource-level grants are made where the resource lives).
  components = {
    worker-etl = {
      display = "Temporal worker: etl task queue (daily pipeline, retention, backfill)"
      roles = [
        "roles/bigquery.jobUser",
        # Ephemeral Dataproc clusters for the daily transform: create, submit, delete.
        "roles/dataproc.editor",
      ]
    }
    worker-gdpr = {
      display = "Temporal worker: gdpr task queue (erasure)"
      roles   = ["roles/bigquery.jobUser"]
    }
    worker-stream = {
      display = "Temporal worker: stream task queue (Pub/Sub consumer)"
      # Backlog comes from Cloud Monitoring (num_undelivered_messages).
      roles = ["roles/bigquery.jobUser", "roles/monitoring.viewer"]
    }
    api = {
      display = "HTTP API (GDPR requests, status)"
      roles   = []
    }
    composer = {
      display = "Cloud Composer environment"
      roles   = ["roles/composer.worker"]
    }
    dataproc = {
      display = "Dataproc cluster VMs (Spark jobs)"
      roles   = ["roles/dataproc.worker"]
    }
    fn-event-processor = {
      display = "Cloud Function eventProcessor (HTTP ingest)"
      roles   = []
    }
    fn-data-validation = {
      display = "Cloud Function dataValidation (raw object finalize)"
      roles   = ["roles/eventarc.eventReceiver"]
    }
    fn-alert-handler = {
      display = "Cloud Function alertHandler (alerts topic to webhook)"
      roles   = ["roles/eventarc.eventReceiver"]
    }
  }

  # Every component writes logs, metrics and error reports.
  common_roles = ["roles/logging.logWriter", "roles/monitoring.metricWriter", "roles/errorreporting.writer"]

  project_roles = merge([
    for name, c in local.components : {
      for role in distinct(concat(local.common_roles, c.roles)) : "${name}/${role}" => { component = name, role = role }
    }
  ]...)

  # GKE workloads: component => Kubernetes service account in var.gke_namespace.
  workload_identity = {
    worker-etl    = "worker-etl"
    worker-gdpr   = "worker-gdpr"
    worker-stream = "worker-stream"
    api           = "api"
  }

  secret_accessors = merge([
    for secret, names in var.secret_accessors : {
      for name in names : "${secret}/${name}" => { secret = secret, component = name }
    }
  ]...)
}

resource "google_service_account" "component" {
  for_each = local.components

  project      = var.project
  account_id   = "${var.name_prefix}-${each.key}"
  display_name = each.value.display
}

resource "google_project_iam_member" "component" {
  for_each = local.project_roles

  project = var.project
  role    = each.value.role
  member  = "serviceAccount:${google_service_account.component[each.value.component].email}"
}

resource "google_service_account_iam_member" "workload_identity" {
  for_each = var.gke_enabled ? local.workload_identity : {}

  service_account_id = google_service_account.component[each.key].name
  role               = "roles/iam.workloadIdentityUser"
  member             = "serviceAccount:${var.project}.svc.id.goog[${var.gke_namespace}/${each.value}]"
}

# The etl worker creates Dataproc clusters that run as the dataproc account.
resource "google_service_account_iam_member" "etl_acts_as_dataproc" {
  service_account_id = google_service_account.component["dataproc"].name
  role               = "roles/iam.serviceAccountUser"
  member             = "serviceAccount:${google_service_account.component["worker-etl"].email}"
}

# Data-access audit logs stand in for bucket usage logs and record every read of personal data.
resource "google_project_iam_audit_config" "data_access" {
  for_each = toset(["storage.googleapis.com", "bigquery.googleapis.com", "secretmanager.googleapis.com"])

  project = var.project
  service = each.value

  audit_log_config {
    log_type = "DATA_READ"
  }
  audit_log_config {
    log_type = "DATA_WRITE"
  }
}

# Secrets hold no value here: a platform engineer adds versions (infra/README.md), so no secret is in state.
resource "google_secret_manager_secret" "secret" {
  for_each = var.secrets

  project   = var.project
  secret_id = each.key
  labels    = merge(var.labels, { env_var = lower(each.value) })

  replication {
    user_managed {
      replicas {
        location = var.region
      }
    }
  }
}

resource "google_secret_manager_secret_iam_member" "accessor" {
  for_each = local.secret_accessors

  project   = var.project
  secret_id = google_secret_manager_secret.secret[each.value.secret].secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.component[each.value.component].member
}
