# The Cloud Composer 3 environment that runs the thin DAGs of dags/ (they only start Temporal workflows). Its
# Airflow version is the one the DAG tests run (apache-airflow in requirements-dev.txt), its PyPI packages are
# dags/requirements.txt, the Temporal connection (with the payload codec keys) comes from Secret Manager through the
# secrets backend, and `terraform apply` syncs the DAG files into the environment's bucket.

locals {
  dag_files = var.dags_dir == null ? [] : concat(
    tolist(fileset(var.dags_dir, "*.py")),
    tolist(fileset(var.dags_dir, "hire10x_temporal/*.py")),
    [".airflowignore"],
  )

  # gs://<bucket>/dags
  dag_bucket = regex("^gs://([^/]+)/", "${google_composer_environment.this.config[0].dag_gcs_prefix}/")[0]
}

resource "google_composer_environment" "this" {
  project = var.project
  name    = var.name
  region  = var.region
  labels  = var.labels

  config {
    environment_size           = var.environment_size
    enable_private_environment = true

    software_config {
      image_version = var.image_version
      pypi_packages = var.pypi_packages
      env_variables = var.env_variables

      airflow_config_overrides = {
        # Connections (temporal_default) and variables from Secret Manager: airflow-connections-<conn id>.
        "secrets-backend" = "airflow.providers.google.cloud.secrets.secret_manager.CloudSecretManagerBackend"
        "secrets-backend_kwargs" = jsonencode({
          connections_prefix = "airflow-connections"
          variables_prefix   = "airflow-variables"
          project_id         = var.project
        })
      }
    }

    node_config {
      service_account = var.service_account
      network         = var.network
      subnetwork      = var.subnetwork
    }
  }
}

# The DAG-sync step of deploy: what Composer parses is exactly what is in the repository's dags/ (tests excluded).
resource "google_storage_bucket_object" "dags" {
  for_each = toset(local.dag_files)

  bucket = local.dag_bucket
  name   = "dags/${each.value}"
  source = "${var.dags_dir}/${each.value}"
}
