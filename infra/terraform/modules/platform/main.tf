# The whole platform of one environment, composed from the component modules; envs/<env> call it with their tfvars.
# Order of creation follows the references: APIs, network and keys, service accounts, then data stores, compute and
# monitoring. Access is granted on each resource to the component that needs it (least privilege, see iam).

locals {
  labels = merge(var.labels, { env = var.env, app = "hire10x-analytics", managed_by = "terraform" })

  sa = module.iam.members

  services = [
    "bigquery.googleapis.com", "bigqueryconnection.googleapis.com", "bigquerydatapolicy.googleapis.com",
    "bigqueryreservation.googleapis.com", "cloudbuild.googleapis.com", "cloudfunctions.googleapis.com",
    "cloudkms.googleapis.com", "composer.googleapis.com", "compute.googleapis.com", "datacatalog.googleapis.com",
    "dataproc.googleapis.com", "eventarc.googleapis.com", "artifactregistry.googleapis.com", "iam.googleapis.com",
    "logging.googleapis.com", "monitoring.googleapis.com", "pubsub.googleapis.com", "run.googleapis.com",
    "secretmanager.googleapis.com", "storage.googleapis.com", "container.googleapis.com",
    "clouderrorreporting.googleapis.com",
  ]
}

resource "google_project_service" "api" {
  for_each = toset(local.services)

  project            = var.project
  service            = each.value
  disable_on_destroy = false
}

resource "google_compute_network" "vpc" {
  project                 = var.project
  name                    = "hire10x-${var.env}"
  auto_create_subnetworks = false

  depends_on = [google_project_service.api]
}

resource "google_compute_subnetwork" "data" {
  project                  = var.project
  name                     = "hire10x-${var.env}-data"
  region                   = var.region
  network                  = google_compute_network.vpc.id
  ip_cidr_range            = var.subnet_cidr
  private_ip_google_access = true

  log_config {
    aggregation_interval = "INTERVAL_10_MIN"
    flow_sampling        = 0.5
    metadata             = "INCLUDE_ALL_METADATA"
  }
}

# Nothing enters from outside; the Dataproc nodes talk to each other inside the subnet (YARN, HDFS, shuffle).
resource "google_compute_firewall" "internal" {
  project       = var.project
  name          = "hire10x-${var.env}-allow-internal"
  network       = google_compute_network.vpc.id
  direction     = "INGRESS"
  priority      = 1000
  source_ranges = [var.subnet_cidr]

  allow {
    protocol = "tcp"
  }
  allow {
    protocol = "udp"
  }
  allow {
    protocol = "icmp"
  }

  log_config {
    metadata = "INCLUDE_ALL_METADATA"
  }
}

resource "google_compute_firewall" "deny_ingress" {
  project       = var.project
  name          = "hire10x-${var.env}-deny-ingress"
  network       = google_compute_network.vpc.id
  direction     = "INGRESS"
  priority      = 65534
  source_ranges = ["0.0.0.0/0"]

  deny {
    protocol = "all"
  }

  log_config {
    metadata = "INCLUDE_ALL_METADATA"
  }
}

module "kms" {
  source = "../kms"

  project       = var.project
  data_location = var.data_location
  region        = var.region
  name_prefix   = "hire10x-${var.env}"
  labels        = local.labels

  depends_on = [google_project_service.api]
}

module "iam" {
  source = "../iam"

  project       = var.project
  region        = var.region
  name_prefix   = var.service_account_prefix
  gke_enabled   = var.gke_enabled
  gke_namespace = var.gke_namespace
  labels        = local.labels

  depends_on = [google_project_service.api]
}

module "storage" {
  source = "../storage"

  project  = var.project
  location = var.data_location
  buckets  = var.buckets
  kms_key  = module.kms.keys["storage"]
  labels   = local.labels

  bucket_iam = {
    # Extract writes raw; the daily run reads it; retention archives it (copy + delete); dataValidation quarantines.
    raw = {
      "roles/storage.objectAdmin"  = [local.sa["worker-etl"], local.sa["worker-gdpr"], local.sa["fn-data-validation"]]
      "roles/storage.objectViewer" = [local.sa["dataproc"]]
    }
    processed = {
      "roles/storage.objectAdmin" = [local.sa["worker-etl"], local.sa["worker-gdpr"], local.sa["dataproc"]]
    }
    archive = {
      "roles/storage.objectAdmin" = [local.sa["worker-etl"], local.sa["worker-gdpr"]]
    }
  }
}

module "bigquery" {
  source = "../bigquery"

  project              = var.project
  location             = var.data_location
  raw_dataset_id       = var.raw_dataset_id
  reporting_dataset_id = var.reporting_dataset_id
  raw_bucket           = module.storage.buckets["raw"]
  kms_key              = module.kms.keys["bigquery"]
  pii_readers          = var.pii_readers
  pii_masked_analysts  = var.pii_masked_analysts
  pii_masked_readers   = var.pii_masked_readers
  slot_reservation     = var.slot_reservation
  deletion_protection  = var.deletion_protection
  labels               = local.labels

  dataset_iam = {
    processed = {
      # Loads and MERGEs (etl, stream), erasure rewrites (gdpr).
      "roles/bigquery.dataEditor" = [local.sa["worker-etl"], local.sa["worker-gdpr"], local.sa["worker-stream"]]
      "roles/bigquery.dataViewer" = [local.sa["api"]]
    }
    reporting = {
      "roles/bigquery.dataViewer" = concat([local.sa["api"]], var.reporting_viewers)
    }
    raw = {
      "roles/bigquery.dataViewer" = var.raw_viewers
    }
  }
}

module "pubsub" {
  source = "../pubsub"

  project                = var.project
  project_number         = module.kms.project_number
  region                 = var.region
  topic                  = var.pubsub_topic
  stream_shards          = var.stream_shards
  message_retention_days = var.stream_retention_days
  archive_bucket         = module.storage.buckets["archive"]
  kms_key                = module.kms.keys["pubsub"]
  labels                 = local.labels

  publishers  = [local.sa["fn-event-processor"], local.sa["worker-stream"]]
  subscribers = [local.sa["worker-stream"]]
}

module "functions" {
  source = "../functions"

  project             = var.project
  region              = var.region
  source_dir          = "${var.repo_root}/functions"
  source_bucket       = "${var.bucket_prefix}-functions-src"
  kms_key_storage     = module.kms.keys["storage-regional"]
  kms_key_pubsub      = module.kms.keys["pubsub"]
  kms_key_data        = module.kms.keys["storage"]
  quarantine_bucket   = "${var.bucket_prefix}-quarantine"
  pubsub_topic        = module.pubsub.topic
  stream_shards       = var.stream_shards
  raw_bucket          = module.storage.buckets["raw"]
  raw_bucket_location = var.data_location
  alerts_topic        = var.alerts_topic
  webhook_secret      = module.iam.secrets["notify-webhook-url"]
  labels              = local.labels

  service_accounts = {
    event_processor = module.iam.emails["fn-event-processor"]
    data_validation = module.iam.emails["fn-data-validation"]
    alert_handler   = module.iam.emails["fn-alert-handler"]
  }

  event_processor_invokers = var.event_processor_invokers

  alert_publishers = [
    local.sa["worker-etl"], local.sa["worker-gdpr"], local.sa["worker-stream"],
    "serviceAccount:service-${module.kms.project_number}@gcp-sa-monitoring-notification.iam.gserviceaccount.com",
  ]
}

module "dataproc" {
  source = "../dataproc"

  project               = var.project
  region                = var.region
  service_account       = module.iam.emails["dataproc"]
  subnetwork            = google_compute_subnetwork.data.id
  kms_key               = module.kms.keys["dataproc"]
  staging_bucket        = "${var.bucket_prefix}-dataproc-staging"
  staging_readers       = [local.sa["worker-etl"]]
  jobs_dir              = "${var.repo_root}/jobs"
  jobs_zip              = "${var.repo_root}/dist/jobs.zip"
  max_secondary_workers = var.dataproc_max_secondary_workers
  dev_cluster_enabled   = var.dataproc_dev_cluster
  adhoc_cluster_enabled = var.dataproc_adhoc_cluster
  labels                = local.labels
}

module "composer" {
  source = "../composer"
  count  = var.composer_enabled ? 1 : 0

  project         = var.project
  region          = var.region
  service_account = module.iam.emails["composer"]
  network         = google_compute_network.vpc.id
  subnetwork      = google_compute_subnetwork.data.id
  dags_dir        = "${var.repo_root}/dags"
  labels          = local.labels

  env_variables = {
    TEMPORAL_NAMESPACE = var.temporal_namespace
    TEMPORAL_UI_URL    = var.temporal_ui_url
  }
}

module "monitoring" {
  source = "../monitoring"

  project       = var.project
  pubsub_topic  = module.pubsub.topic
  alerts_topic  = module.functions.alerts_topic
  alert_emails  = var.alert_emails
  gke_namespace = var.gke_namespace

  depends_on = [google_project_service.api]
}
