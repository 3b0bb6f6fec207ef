# Production: the names are the config defaults of config/schema.ts, so the workers need no overrides
# (infra/tests check it). Set project and the member lists for your organisation.
project       = "hire10x-analytics-prod"
env           = "prod"
region        = "us-central1"
data_location = "US"

buckets = {
  raw       = "hire10x-raw"
  processed = "hire10x-processed"
  archive   = "hire10x-archive"
}
bucket_prefix = "hire10x"

pubsub_topic  = "hire10x-user-events"
stream_shards = 2

deletion_protection            = true
dataproc_max_secondary_workers = 20
dataproc_dev_cluster           = false
dataproc_adhoc_cluster         = true
composer_enabled               = true
temporal_namespace             = "hire10x-prod"
temporal_ui_url                = "https://temporal.hire10x.internal"

slot_reservation = {
  enabled = false
}

pii_readers         = ["group:dpo@hire10x.com"]
pii_masked_analysts = ["group:analysts@hire10x.com"]
reporting_viewers   = ["group:analysts@hire10x.com"]
alert_emails        = ["data-platform-oncall@hire10x.com"]
