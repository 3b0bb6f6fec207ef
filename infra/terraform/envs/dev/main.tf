# One environment of the platform: everything is in modules/platform, shaped by terraform.tfvars.

module "platform" {
  source = "../../modules/platform"

  project                        = var.project
  env                            = var.env
  region                         = var.region
  data_location                  = var.data_location
  repo_root                      = "${path.root}/../../../.."
  buckets                        = var.buckets
  bucket_prefix                  = var.bucket_prefix
  pubsub_topic                   = var.pubsub_topic
  stream_shards                  = var.stream_shards
  pii_readers                    = var.pii_readers
  pii_masked_analysts            = var.pii_masked_analysts
  reporting_viewers              = var.reporting_viewers
  slot_reservation               = var.slot_reservation
  deletion_protection            = var.deletion_protection
  event_processor_invokers       = var.event_processor_invokers
  dataproc_max_secondary_workers = var.dataproc_max_secondary_workers
  dataproc_dev_cluster           = var.dataproc_dev_cluster
  dataproc_adhoc_cluster         = var.dataproc_adhoc_cluster
  composer_enabled               = var.composer_enabled
  temporal_namespace             = var.temporal_namespace
  temporal_ui_url                = var.temporal_ui_url
  alert_emails                   = var.alert_emails
}
