# The lake's zone buckets (raw, processed, archive) with the lifecycle rules rendered from schema/retention/policy.ts
# (`npm run generate` writes lifecycle/<zone>.json): edit the policy, not the JSON. The rules are a backstop that fires
# after the dataRetention workflow would have acted; the workflow moves raw objects into the archive, which lifecycle
# cannot do.

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
  lifecycle = {
    for zone in keys(var.buckets) :
    zone => jsondecode(file("${path.module}/lifecycle/${zone}.json"))
  }
}

resource "google_storage_bucket" "zone" {
  for_each = var.buckets

  project                     = var.project
  name                        = each.value
  location                    = var.location
  storage_class               = lookup(var.storage_classes, each.key, "STANDARD")
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  labels                      = merge(var.labels, { zone = each.key, managed_by = "terraform" })

  dynamic "lifecycle_rule" {
    for_each = local.lifecycle[each.key].rule

    content {
      action {
        type = lifecycle_rule.value.action.type
      }
      condition {
        age            = lifecycle_rule.value.condition.age
        matches_prefix = try(lifecycle_rule.value.condition.matchesPrefix, null)
      }
    }
  }
}
