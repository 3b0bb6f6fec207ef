# Development: bucket names are global, so dev's carry -dev; the workers of dev set GCS_BUCKET_* from the
# worker_env output. Everything else keeps the config defaults of config/schema.ts.
project       = "hire10x-analytics-dev"
env           = "dev"
region        = "us-central1"
data_location = "US"

buckets = {
  raw       = "hire10x-dev-raw"
  processed = "hire10x-dev-processed"
  archive   = "hire10x-dev-archive"
}
bucket_prefix = "hire10x-dev"

pubsub_topic  = "hire10x-user-events"
stream_shards = 2

deletion_protection            = false
dataproc_max_secondary_workers = 4
dataproc_dev_cluster           = true
dataproc_adhoc_cluster         = false
composer_enabled               = true
temporal_namespace             = "hire10x-dev"
temporal_ui_url                = "https://temporal-dev.hire10x.internal"

slot_reservation = {
  enabled = false
}

pii_readers         = []
pii_masked_analysts = ["group:analysts@hire10x.com"]
reporting_viewers   = ["group:analysts@hire10x.com"]
alert_emails        = []
