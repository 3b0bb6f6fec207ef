"""Each rule holds on infra/terraform, and fails on a copy broken once for it (so every check can fail)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from infra.tests import tfcheck
from infra.tests.tfcheck import Tree

Broken = Callable[[str, str, str], Tree]


def test_the_tree_parses_into_every_module(tree: Tree) -> None:
    assert set(tree.modules) >= {
        "storage", "bigquery", "pubsub", "dataproc", "composer", "functions", "monitoring", "iam", "kms", "platform"
    }  # fmt: skip
    assert set(tree.envs) == {"dev", "prod"}
    for env in tree.envs.values():
        assert env.calls["platform"]["source"] == "../../modules/platform"


@pytest.mark.parametrize(
    "check",
    [
        tfcheck.check_buckets_encrypted,
        tfcheck.check_composer,
        tfcheck.check_iam,
        tfcheck.check_dashboards,
    ],
)
def test_rule_holds(tree: Tree, check: Callable[[Tree], list[str]]) -> None:
    assert check(tree) == []


@pytest.mark.parametrize(
    "check",
    [
        tfcheck.check_tables_generated,
        tfcheck.check_pii_tagged,
        tfcheck.check_lifecycle,
        tfcheck.check_pubsub_names,
        tfcheck.check_names_vs_config,
    ],
)
def test_rule_holds_against_the_code(tree: Tree, defaults: dict[str, Any], check: Any) -> None:
    assert check(tree, defaults) == []


# --- every bucket encrypted ----------------------------------------------------------------------------------------


def test_a_bucket_without_cmek_fails(broken: Broken) -> None:
    tree = broken("modules/dataproc/main.tf", "default_kms_key_name = var.kms_key", 'default_kms_key_name = ""')
    assert tfcheck.check_buckets_encrypted(tree) == [
        "dataproc: google_storage_bucket.staging has no CMEK (encryption block)"
    ]


def test_a_module_key_not_from_kms_fails(broken: Broken) -> None:
    tree = broken("modules/platform/main.tf", 'kms_key  = module.kms.keys["storage"]', 'kms_key  = "my-key"')
    assert tfcheck.check_buckets_encrypted(tree) == [
        "platform: module.storage.kms_key is not a key of module.kms (my-key)"
    ]


# --- tables from generated JSON ----------------------------------------------------------------------------------


def test_a_hand_written_table_fails(broken: Broken, defaults: dict[str, Any]) -> None:
    tree = broken(
        "modules/bigquery/main.tf",
        'resource "google_bigquery_connection"',
        'resource "google_bigquery_table" "extra" {\n  dataset_id = "x"\n  table_id = "y"\n}\n\n'
        'resource "google_bigquery_connection"',
    )
    assert tfcheck.check_tables_generated(tree, defaults) == [
        "bigquery: google_bigquery_table.extra is not built from generated JSON"
    ]


def test_tables_read_from_another_folder_fail(broken: Broken, defaults: dict[str, Any]) -> None:
    tree = broken("modules/bigquery/main.tf", '"${path.module}/../../bigquery/tables"', '"${path.module}/tables"')
    problems = tfcheck.check_tables_generated(tree, defaults)
    assert "bigquery: local.tables_dir is not the generator's infra/terraform/bigquery/tables" in problems


def test_raw_tables_not_the_source_tables_fail(broken: Broken, defaults: dict[str, Any]) -> None:
    tree = broken("modules/bigquery/variables.tf", '"legal_holds", ', "")
    [problem] = tfcheck.check_tables_generated(tree, defaults)
    assert problem.startswith("bigquery: raw_tables")


# --- personal data tagged ----------------------------------------------------------------------------------------


def test_an_untagged_personal_column_fails(broken: Broken, defaults: dict[str, Any]) -> None:
    tree = broken(
        "bigquery/tables/dim_users.json", '"names": [\n            "{{PII_POLICY_TAG}}"\n          ]', '"names": []'
    )
    assert tfcheck.check_pii_tagged(tree, defaults) == ["dim_users.email is personal data without the PII policy tag"]


def test_a_new_personal_column_in_the_code_fails(tree: Tree, defaults: dict[str, Any]) -> None:
    changed = copy.deepcopy(defaults)
    changed["piiColumns"]["dim_users"].append("country")
    assert tfcheck.check_pii_tagged(tree, changed) == ["dim_users.country is personal data without the PII policy tag"]


def test_a_schema_without_the_tag_substitution_fails(broken: Broken, defaults: dict[str, Any]) -> None:
    tree = broken(
        "modules/bigquery/main.tf",
        '"{{PII_POLICY_TAG}}", google_data_catalog_policy_tag.pii.name',
        '"{{PII_POLICY_TAG}}", ""',
    )
    assert tfcheck.check_pii_tagged(tree, defaults) == [
        "bigquery: the tables' schema does not replace the placeholder with the pii policy tag"
    ]


# --- lifecycle = retention policy --------------------------------------------------------------------------------


def test_lifecycle_drifting_from_the_policy_fails(tree: Tree, defaults: dict[str, Any]) -> None:
    changed = copy.deepcopy(defaults)
    changed["retention"]["lake"]["processed"]["deleteAfterDays"] = 60
    [problem] = tfcheck.check_lifecycle(tree, changed)
    assert problem.startswith("lifecycle processed:")


def test_an_edited_lifecycle_json_fails(broken: Broken, defaults: dict[str, Any]) -> None:
    tree = broken("gcs/lifecycle/archive.json", '"age": 1072', '"age": 30')
    [problem] = tfcheck.check_lifecycle(tree, defaults)
    assert problem.startswith("lifecycle archive:")


def test_a_hand_written_lifecycle_rule_fails(broken: Broken, defaults: dict[str, Any]) -> None:
    tree = broken(
        "modules/storage/main.tf",
        '  dynamic "lifecycle_rule" {',
        '  lifecycle_rule {\n    action {\n      type = "Delete"\n    }\n    condition {\n      age = 1\n    }\n  }\n\n'
        '  dynamic "lifecycle_rule" {',
    )
    assert tfcheck.check_lifecycle(tree, defaults) == [
        "storage: zone buckets have a hand-written lifecycle_rule besides the generated ones"
    ]


def test_a_rule_not_rendered_from_the_json_fails(broken: Broken, defaults: dict[str, Any]) -> None:
    tree = broken(
        "modules/storage/main.tf", "age            = lifecycle_rule.value.condition.age", "age            = 365"
    )
    assert tfcheck.check_lifecycle(tree, defaults) == [
        "storage: lifecycle condition (age, matches_prefix) is not the generated one"
    ]


def test_a_partition_expiration_drifting_fails(tree: Tree, defaults: dict[str, Any]) -> None:
    changed = copy.deepcopy(defaults)
    changed["retention"]["warehouse"]["audit_log"] = 10
    [problem] = tfcheck.check_lifecycle(tree, changed)
    assert problem.startswith("audit_log: partition expiration")


# --- Pub/Sub and the other names ---------------------------------------------------------------------------------


def test_a_topic_not_the_config_default_fails(tree: Tree, defaults: dict[str, Any]) -> None:
    changed = copy.deepcopy(defaults)
    changed["env"]["PUBSUB_TOPIC"] = "other-events"
    problems = tfcheck.check_pubsub_names(tree, changed)
    assert problems == ["pubsub: default topic hire10x-user-events != PUBSUB_TOPIC other-events"]


def test_subscription_names_not_the_adapters_fail(broken: Broken, defaults: dict[str, Any]) -> None:
    tree = broken(
        "modules/pubsub/main.tf",
        'name    = "${each.value}--${var.consumer_group}"',
        'name    = "${each.value}-${var.consumer_group}"',
    )
    problems = tfcheck.check_pubsub_names(tree, defaults)
    assert problems and all(p.startswith("pubsub: subscription ") for p in problems)


def test_avro_archive_on_by_default_fails(broken: Broken, defaults: dict[str, Any]) -> None:
    tree = broken(
        "modules/pubsub/variables.tf",
        "type        = bool\n  default     = false",
        "type        = bool\n  default     = true",
    )
    assert tfcheck.check_pubsub_names(tree, defaults) == [
        "pubsub: the Avro archive subscription is on by default (GDPR erasure does not scan it)"
    ]


def test_message_retention_not_the_stream_policy_fails(broken: Broken, defaults: dict[str, Any]) -> None:
    tree = broken("modules/pubsub/variables.tf", "default     = 7", "default     = 3")
    assert tfcheck.check_pubsub_names(tree, defaults) == ["pubsub: message_retention_days 3 != events:* [7]"]


def test_a_prod_bucket_not_the_config_default_fails(broken: Broken, defaults: dict[str, Any]) -> None:
    tree = broken("envs/prod/terraform.tfvars", 'raw       = "hire10x-raw"', 'raw       = "hire10x-raw-2"')
    [problem] = tfcheck.check_names_vs_config(tree, defaults)
    assert problem.startswith("envs/prod: buckets")


def test_a_region_not_the_config_default_fails(broken: Broken, defaults: dict[str, Any]) -> None:
    tree = broken("modules/platform/variables.tf", 'default     = "us-central1"', 'default     = "europe-west1"')
    assert tfcheck.check_names_vs_config(tree, defaults) == [
        "platform: default region 'europe-west1' != config default 'us-central1'"
    ]


# --- Composer, IAM, dashboards -----------------------------------------------------------------------------------


def test_composer_on_another_airflow_fails(broken: Broken) -> None:
    tree = broken("modules/composer/variables.tf", "composer-3-airflow-3.1.8", "composer-3-airflow-2.10.5")
    [problem] = tfcheck.check_composer(tree)
    assert problem.startswith("composer: image composer-3-airflow-2.10.5")


def test_a_primitive_role_fails(broken: Broken) -> None:
    tree = broken("modules/iam/main.tf", 'roles   = ["roles/composer.worker"]', 'roles   = ["roles/editor"]')
    assert "iam: a component has a primitive role" in tfcheck.check_iam(tree)


def test_a_public_member_fails(broken: Broken) -> None:
    tree = broken("modules/functions/main.tf", "member   = each.value\n}", 'member   = "allUsers"\n}')
    assert tfcheck.check_iam(tree) == [
        "functions: google_cloud_run_service_iam_member.invoker grants access to the public"
    ]


def test_a_shared_service_account_fails(broken: Broken) -> None:
    tree = broken("modules/iam/main.tf", "    api = {\n      display", "    api-and-workers = {\n      display")
    [problem] = tfcheck.check_iam(tree)
    assert problem.startswith("iam: service accounts")


def test_a_missing_secret_fails(broken: Broken) -> None:
    tree = broken("modules/iam/variables.tf", '    gdpr-subject-key   = "GDPR_SUBJECT_KEY"\n', "")
    problems = tfcheck.check_iam(tree)
    assert "iam: no Secret Manager secret for GDPR_SUBJECT_KEY" in problems


def test_a_broken_dashboard_fails(broken: Broken) -> None:
    tree = broken("modules/monitoring/dashboards/api.json", '"displayName"', '"displayName": "x",, "y"')
    [problem] = tfcheck.check_dashboards(tree)
    assert problem.startswith("monitoring: api.json is not JSON")


def test_function_names_not_the_config_defaults_fail(tree: Tree, defaults: dict[str, Any]) -> None:
    changed = copy.deepcopy(defaults)
    changed["env"]["ALERTS_TOPIC"] = "other-alerts"
    assert tfcheck.check_names_vs_config(tree, changed) == [
        "functions: default alerts_topic 'hire10x-alerts' != config default 'other-alerts'"
    ]


def test_every_checkov_waiver_has_a_reason(tree: Tree) -> None:
    assert tfcheck.check_checkov_waivers(tree.root) == []


def test_a_waiver_without_a_reason_fails(broken: Broken) -> None:
    tree = broken(
        "modules/dataproc/main.tf",
        "  project                     = var.project\n",
        "  #checkov:skip=CKV_GCP_29\n  project = var.project\n",
    )
    [problem] = tfcheck.check_checkov_waivers(tree.root)
    assert problem.startswith("modules/dataproc/main.tf:")
    assert problem.endswith(": a checkov waiver without a check id and a reason")
