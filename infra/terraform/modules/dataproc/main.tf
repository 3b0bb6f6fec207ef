# Dataproc: the autoscaling policy the daily run's ephemeral clusters use (adapters/spark/dataproc.ts creates and
# deletes them; DATAPROC_CLUSTER_CONFIG points at this policy, see the cluster_config output), a small persistent
# development cluster, an ad-hoc analysis cluster with Jupyter that deletes itself when idle, the staging bucket,
# and the upload of jobs/ (daily_transform.py, jobs.zip) that the worker submits from (DATAPROC_JOBS_URI).

locals {
  jobs_uri = "gs://${google_storage_bucket.staging.name}/${var.jobs_prefix}"

  # Shared by the dev and ad-hoc clusters.
  gce = {
    service_account = var.service_account
    subnetwork      = var.subnetwork
  }
}

resource "google_dataproc_autoscaling_policy" "daily" {
  project   = var.project
  location  = var.region
  policy_id = "hire10x-daily"

  # Primary workers hold HDFS and shuffle; they stay at a fixed, small count.
  worker_config {
    min_instances = var.primary_workers
    max_instances = var.primary_workers
    weight        = 1
  }

  # Spot secondaries absorb a large day and go away after it.
  secondary_worker_config {
    min_instances = 0
    max_instances = var.max_secondary_workers
    weight        = 1
  }

  basic_algorithm {
    cooldown_period = "120s"

    yarn_config {
      graceful_decommission_timeout = "600s"
      scale_up_factor               = 0.5
      scale_down_factor             = 1.0
    }
  }
}

resource "google_storage_bucket" "staging" {
  #checkov:skip=CKV_GCP_62:Usage logs are replaced by Cloud Audit Logs data-access logs (iam module, storage.googleapis.com).
  #checkov:skip=CKV_GCP_78:Staging files and job uploads are rebuilt by every deploy; soft delete covers mistakes.
  project                     = var.project
  name                        = var.staging_bucket
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = false
  labels                      = merge(var.labels, { purpose = "dataproc-staging" })

  encryption {
    default_kms_key_name = var.kms_key
  }

  soft_delete_policy {
    retention_duration_seconds = 7 * 86400
  }

  # Driver output and cluster staging files under the other prefixes are scratch.
  lifecycle_rule {
    action {
      type = "Delete"
    }
    condition {
      age            = 30
      matches_prefix = ["google-cloud-dataproc-metainfo/", "dataproc-staging/"]
    }
  }
}

resource "google_storage_bucket_iam_member" "staging" {
  for_each = toset(concat(["serviceAccount:${var.service_account}"], var.staging_readers))

  bucket = google_storage_bucket.staging.name
  role   = each.value == "serviceAccount:${var.service_account}" ? "roles/storage.objectAdmin" : "roles/storage.objectViewer"
  member = each.value
}

# The job files, uploaded by `terraform apply` (build jobs.zip first: python jobs/build_pyfiles.py).
resource "google_storage_bucket_object" "daily_transform" {
  bucket       = google_storage_bucket.staging.name
  name         = "${var.jobs_prefix}/daily_transform.py"
  source       = "${var.jobs_dir}/daily_transform.py"
  content_type = "text/x-python"
}

resource "google_storage_bucket_object" "jobs_zip" {
  bucket       = google_storage_bucket.staging.name
  name         = "${var.jobs_prefix}/jobs.zip"
  source       = var.jobs_zip
  content_type = "application/zip"
}

resource "google_dataproc_cluster" "dev" {
  count = var.dev_cluster_enabled ? 1 : 0

  project = var.project
  region  = var.region
  name    = "hire10x-dev"
  labels  = merge(var.labels, { purpose = "development" })

  cluster_config {
    staging_bucket = google_storage_bucket.staging.name

    gce_cluster_config {
      service_account        = local.gce.service_account
      service_account_scopes = ["cloud-platform"]
      subnetwork             = local.gce.subnetwork
      internal_ip_only       = true

      shielded_instance_config {
        enable_secure_boot          = true
        enable_vtpm                 = true
        enable_integrity_monitoring = true
      }
    }

    master_config {
      num_instances = 1
      machine_type  = var.dev_machine_type

      disk_config {
        boot_disk_size_gb = 100
      }
    }

    # Single node: development runs are small; the daily run never uses this cluster.
    worker_config {
      num_instances = 0
    }

    software_config {
      image_version = var.image_version
      override_properties = {
        "dataproc:dataproc.allow.zero.workers" = "true"
      }
    }

    encryption_config {
      kms_key_name = var.kms_key
    }
  }
}

resource "google_dataproc_cluster" "adhoc" {
  count = var.adhoc_cluster_enabled ? 1 : 0

  project = var.project
  region  = var.region
  name    = "hire10x-adhoc"
  labels  = merge(var.labels, { purpose = "adhoc-analysis" })

  cluster_config {
    staging_bucket = google_storage_bucket.staging.name

    gce_cluster_config {
      service_account        = local.gce.service_account
      service_account_scopes = ["cloud-platform"]
      subnetwork             = local.gce.subnetwork
      internal_ip_only       = true

      shielded_instance_config {
        enable_secure_boot          = true
        enable_vtpm                 = true
        enable_integrity_monitoring = true
      }
    }

    master_config {
      num_instances = 1
      machine_type  = var.adhoc_machine_type
    }

    worker_config {
      num_instances = var.primary_workers
      machine_type  = var.adhoc_machine_type
    }

    preemptible_worker_config {
      num_instances  = 0
      preemptibility = "SPOT"
    }

    software_config {
      image_version       = var.image_version
      optional_components = ["JUPYTER"]
    }

    # Jupyter through the Component Gateway (IAM-authenticated), never a public port.
    endpoint_config {
      enable_http_port_access = true
    }

    autoscaling_config {
      policy_uri = google_dataproc_autoscaling_policy.daily.id
    }

    lifecycle_config {
      idle_delete_ttl = "${var.adhoc_idle_delete_seconds}s"
    }

    encryption_config {
      kms_key_name = var.kms_key
    }
  }
}
