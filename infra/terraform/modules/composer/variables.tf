variable "project" {
  description = "GCP project of the environment."
  type        = string
}

variable "region" {
  description = "Region of the environment."
  type        = string
}

variable "name" {
  description = "Environment name."
  type        = string
  default     = "hire10x-analytics"
}

variable "image_version" {
  description = "Composer 3 image: composer-3-airflow-<the apache-airflow version pinned in requirements-dev.txt>."
  type        = string
  default     = "composer-3-airflow-3.1.8"
}

variable "pypi_packages" {
  description = "Extra PyPI packages: what the operator imports (dags/requirements.txt)."
  type        = map(string)
  default = {
    temporalio = "==1.35.0"
  }
}

variable "env_variables" {
  description = "Environment variables the DAGs read at parse time (dags/README.md)."
  type        = map(string)
  default = {
    TEMPORAL_NAMESPACE = "default"
  }
}

variable "environment_size" {
  description = "Composer environment size."
  type        = string
  default     = "ENVIRONMENT_SIZE_SMALL"
}

variable "service_account" {
  description = "Email of the environment's service account (composer.worker plus the connection secret)."
  type        = string
}

variable "network" {
  description = "VPC network of the environment (private IP)."
  type        = string
}

variable "subnetwork" {
  description = "Subnetwork of the environment."
  type        = string
}

variable "dags_dir" {
  description = "Local path of the repository's dags/ folder; null skips the DAG sync."
  type        = string
  default     = null
}

variable "labels" {
  description = "Labels added to the environment."
  type        = map(string)
  default     = {}
}
