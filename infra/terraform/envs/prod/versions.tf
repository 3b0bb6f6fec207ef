terraform {
  required_version = ">= 1.5"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 6.14, < 8.0"
    }
  }

  # State in a versioned bucket created before the first init (infra/README.md, step 2):
  #   terraform init -backend-config="bucket=<project>-tfstate"
  backend "gcs" {
    prefix = "hire10x-analytics/prod"
  }
}

provider "google" {
  project = var.project
  region  = var.region
}
