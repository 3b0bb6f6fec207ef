output "jobs_uri" {
  description = "DATAPROC_JOBS_URI: the folder the job files were uploaded to."
  value       = local.jobs_uri
}

output "autoscaling_policy" {
  description = "Resource name of the daily clusters' autoscaling policy."
  value       = google_dataproc_autoscaling_policy.daily.id
}

output "cluster_config" {
  description = "The DATAPROC_CLUSTER_CONFIG document (JSON) the etl worker reads for its ephemeral clusters."
  value = jsonencode({
    imageVersion         = var.image_version
    autoscalingPolicyUri = google_dataproc_autoscaling_policy.daily.id
    serviceAccount       = var.service_account
    subnetworkUri        = var.subnetwork
    stagingBucket        = google_storage_bucket.staging.name
    # Spot secondaries are added by the autoscaling policy, none at creation.
    workers = { count = var.primary_workers }
  })
}

output "staging_bucket" {
  description = "The staging bucket's name."
  value       = google_storage_bucket.staging.name
}
