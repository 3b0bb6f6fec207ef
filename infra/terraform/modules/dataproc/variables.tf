variable "project" {
  description = "GCP project of the clusters."
  type        = string
}

variable "region" {
  description = "Region of the clusters, the policy and the staging bucket (DATAPROC_REGION)."
  type        = string
}

variable "service_account" {
  description = "Email of the service account the cluster VMs run as (least privilege: dataproc.worker plus bucket grants)."
  type        = string
}

variable "subnetwork" {
  description = "Subnetwork (with Private Google Access) the internal-only cluster VMs join."
  type        = string
}

variable "kms_key" {
  description = "Cloud KMS crypto key id (in the region) for the staging bucket and the cluster disks."
  type        = string
}

variable "staging_bucket" {
  description = "Name of the Dataproc staging bucket that also holds the job files."
  type        = string
}

variable "staging_readers" {
  description = "Members that read the staging bucket (the etl worker, which submits jobs from it)."
  type        = list(string)
  default     = []
}

variable "jobs_prefix" {
  description = "Folder of the job files in the staging bucket; DATAPROC_JOBS_URI is gs://<staging_bucket>/<jobs_prefix>."
  type        = string
  default     = "jobs"
}

variable "jobs_dir" {
  description = "Local path of the repository's jobs/ folder."
  type        = string
}

variable "jobs_zip" {
  description = "Local path of the --py-files archive built by python jobs/build_pyfiles.py (dist/jobs.zip)."
  type        = string
}

variable "image_version" {
  description = "Dataproc image (the adapter's default: Spark 3.5 like the local pyspark)."
  type        = string
  default     = "2.2-debian12"
}

variable "primary_workers" {
  description = "Primary workers of the daily clusters (Dataproc needs 0 or at least 2)."
  type        = number
  default     = 2
}

variable "max_secondary_workers" {
  description = "Most spot secondary workers the autoscaler adds."
  type        = number
  default     = 10
}

variable "dev_cluster_enabled" {
  description = "Create the persistent single-node development cluster."
  type        = bool
  default     = false
}

variable "dev_machine_type" {
  description = "Machine type of the development cluster (custom types allowed: custom-4-16384)."
  type        = string
  default     = "custom-4-16384"
}

variable "adhoc_cluster_enabled" {
  description = "Create the ad-hoc analysis cluster (Jupyter; deletes itself when idle)."
  type        = bool
  default     = false
}

variable "adhoc_machine_type" {
  description = "Machine type of the ad-hoc cluster's nodes."
  type        = string
  default     = "n2-highmem-4"
}

variable "adhoc_idle_delete_seconds" {
  description = "Idle time after which the ad-hoc cluster deletes itself."
  type        = number
  default     = 3600
}

variable "labels" {
  description = "Labels added to every cluster and bucket."
  type        = map(string)
  default     = {}
}
