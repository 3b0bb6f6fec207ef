# Customer-managed encryption keys (CMEK) for every store that holds data: one key ring where the data lives (the
# lake buckets and BigQuery datasets share a multi-region such as US) and one in the compute region (Pub/Sub, the
# Dataproc staging bucket and disks, the functions' source bucket). Each key is granted to the Google service agents
# that encrypt with it; outputs wait for those grants, so nothing is created with a key it cannot use yet.

data "google_project" "this" {
  project_id = var.project
}

data "google_storage_project_service_account" "gcs" {
  project = var.project
}

data "google_bigquery_default_service_account" "bq" {
  project = var.project
}

locals {
  number = data.google_project.this.number

  rings = {
    data     = lower(var.data_location)
    regional = var.region
  }

  # Key name => key ring and the service agents that encrypt with it.
  keys = {
    storage = {
      ring   = "data"
      agents = ["serviceAccount:${data.google_storage_project_service_account.gcs.email_address}"]
    }
    bigquery = {
      ring   = "data"
      agents = ["serviceAccount:${data.google_bigquery_default_service_account.bq.email}"]
    }
    storage-regional = {
      ring   = "regional"
      agents = ["serviceAccount:${data.google_storage_project_service_account.gcs.email_address}"]
    }
    pubsub = {
      ring   = "regional"
      agents = ["serviceAccount:service-${local.number}@gcp-sa-pubsub.iam.gserviceaccount.com"]
    }
    dataproc = {
      ring = "regional"
      agents = [
        "serviceAccount:service-${local.number}@compute-system.iam.gserviceaccount.com",
        "serviceAccount:service-${local.number}@dataproc-accounts.iam.gserviceaccount.com",
      ]
    }
  }

  grants = merge([
    for key, k in local.keys : {
      for agent in k.agents : "${key}/${agent}" => { key = key, member = agent }
    }
  ]...)
}

resource "google_kms_key_ring" "ring" {
  for_each = local.rings

  project  = var.project
  name     = "${var.name_prefix}-${each.key}"
  location = each.value
}

resource "google_kms_crypto_key" "key" {
  for_each = local.keys

  name            = each.key
  key_ring        = google_kms_key_ring.ring[each.value.ring].id
  purpose         = "ENCRYPT_DECRYPT"
  rotation_period = var.rotation_period
  labels          = var.labels

  # Destroying a key makes everything encrypted with it unreadable.
  lifecycle {
    prevent_destroy = true
  }
}

resource "google_kms_crypto_key_iam_member" "agents" {
  for_each = local.grants

  crypto_key_id = google_kms_crypto_key.key[each.value.key].id
  role          = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
  member        = each.value.member
}
