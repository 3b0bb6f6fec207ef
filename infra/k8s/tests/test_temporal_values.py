"""The Temporal Helm values (infra/temporal/helm/values.cloudsql.yaml) agree with the rest of the project."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]
VALUES = yaml.safe_load((ROOT / "infra/temporal/helm/values.cloudsql.yaml").read_text())


def test_dynamic_config_is_the_projects() -> None:
    # dev up, the test platform and the cluster run with the same tuning: every key of the project's file, same values.
    project = yaml.safe_load((ROOT / "infra/temporal/dynamic-config.yaml").read_text())
    cluster = VALUES["server"]["dynamicConfig"]
    for key, entries in project.items():
        assert cluster.get(key) == entries, f"{key}: Helm values differ from infra/temporal/dynamic-config.yaml"


def test_server_version_is_the_clis() -> None:
    # The CLI's embedded server (scripts/versions.env TEMPORAL_CLI_VERSION v1.5.1) is go.temporal.io/server v1.29.1.
    versions = (ROOT / "scripts/versions.env").read_text()
    assert re.search(r"^TEMPORAL_CLI_VERSION=v1\.5\.1$", versions, re.M), "CLI changed: update the server image tag"
    assert VALUES["server"]["image"]["tag"] == "1.29.1"


def test_postgres_persistence_and_sql_visibility() -> None:
    persistence = VALUES["server"]["config"]["persistence"]
    assert persistence["numHistoryShards"] == 512
    for store in ("default", "visibility"):
        sql = persistence["datastores"][store]["sql"]
        assert sql["pluginName"].startswith("postgres12")
        assert "password" not in sql and sql["existingSecret"], f"{store}: the password comes from a Secret"


def test_namespace_is_the_workers() -> None:
    config = dict(
        line.split("=", 1)
        for line in (ROOT / "infra/k8s/base/platform/config.env").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    )
    names = [n["name"] for n in VALUES["server"]["config"]["namespaces"]["namespace"]]
    assert config["TEMPORAL_NAMESPACE"] in names
