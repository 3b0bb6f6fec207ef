# The BigQuery dataset user_analytics and its tables. Table definitions are generated from schema/warehouse
# (`npm run generate`) into tables/*.json as BigQuery REST Table resources: edit the TypeScript, not the JSON.

terraform {
  required_version = ">= 1.5"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 5.0"
    }
  }
}

locals {
  tables = {
    for name in fileset("${path.module}/tables", "*.json") :
    trimsuffix(name, ".json") => jsondecode(file("${path.module}/tables/${name}"))
  }

  # Materialized views (rollups of reporting marts), generated from schema/warehouse/rollups.ts.
  materialized_views = {
    for name in fileset("${path.module}/materialized_views", "*.json") :
    trimsuffix(name, ".json") => jsondecode(file("${path.module}/materialized_views/${name}"))
  }

  # Every generated table names the same dataset; one() fails the plan if they ever disagree.
  dataset_id = one(distinct([for table in values(local.tables) : table.tableReference.datasetId]))
}

# Column-level security: personal-data columns carry this policy tag; only pii_readers see them in clear.
resource "google_data_catalog_taxonomy" "pii" {
  project                = var.project
  region                 = lower(var.location)
  display_name           = "${local.dataset_id}-pii"
  description            = "Personal data in BigQuery dataset ${local.dataset_id}."
  activated_policy_types = ["FINE_GRAINED_ACCESS_CONTROL"]
}

resource "google_data_catalog_policy_tag" "pii" {
  taxonomy     = google_data_catalog_taxonomy.pii.id
  display_name = "pii"
  description  = "Emails, names, phone numbers, cities, IP addresses, user agents."
}

resource "google_data_catalog_policy_tag_iam_member" "pii_readers" {
  for_each = toset(var.pii_readers)

  policy_tag = google_data_catalog_policy_tag.pii.name
  role       = "roles/datacatalog.categoryFineGrainedReader"
  member     = each.value
}

resource "google_bigquery_dataset" "user_analytics" {
  project     = var.project
  dataset_id  = local.dataset_id
  location    = var.location
  description = "Hire10x user analytics; tables generated from schema/warehouse."
  labels      = var.labels
}

resource "google_bigquery_table" "tables" {
  for_each = local.tables

  project             = var.project
  dataset_id          = google_bigquery_dataset.user_analytics.dataset_id
  table_id            = each.value.tableReference.tableId
  description         = each.value.description
  labels              = merge(var.labels, each.value.labels)
  deletion_protection = var.deletion_protection

  # The generated fields carry a {{PII_POLICY_TAG}} placeholder on personal-data columns.
  schema = replace(jsonencode(each.value.schema.fields), "{{PII_POLICY_TAG}}", google_data_catalog_policy_tag.pii.name)

  require_partition_filter = try(each.value.requirePartitionFilter, null)
  clustering               = try(each.value.clustering.fields, null)

  dynamic "time_partitioning" {
    for_each = can(each.value.timePartitioning) ? [each.value.timePartitioning] : []

    content {
      type          = time_partitioning.value.type
      field         = time_partitioning.value.field
      expiration_ms = try(tonumber(time_partitioning.value.expirationMs), null)
    }
  }
}

# Rollups of the reporting marts. BigQuery refreshes them incrementally (SUM only) and rewrites matching dashboard
# queries on the marts to read them; within max_staleness a read never waits for a refresh after publish.
resource "google_bigquery_table" "materialized_views" {
  for_each = local.materialized_views

  project             = var.project
  dataset_id          = google_bigquery_dataset.user_analytics.dataset_id
  table_id            = each.value.tableReference.tableId
  description         = each.value.description
  labels              = merge(var.labels, each.value.labels)
  deletion_protection = var.deletion_protection
  max_staleness       = each.value.materializedView.maxStaleness
  clustering          = each.value.clustering.fields

  materialized_view {
    query               = replace(each.value.materializedView.query, "{{PROJECT_ID}}", var.project)
    enable_refresh      = each.value.materializedView.enableRefresh
    refresh_interval_ms = tonumber(each.value.materializedView.refreshIntervalMs)
  }

  time_partitioning {
    type  = each.value.timePartitioning.type
    field = each.value.timePartitioning.field
  }

  # A view needs its base table.
  depends_on = [google_bigquery_table.tables]
}
