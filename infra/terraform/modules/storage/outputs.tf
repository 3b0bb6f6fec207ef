output "buckets" {
  description = "Bucket name per lake zone."
  value       = { for zone, bucket in google_storage_bucket.zone : zone => bucket.name }
}
