"""The warehouse as BigQuery will hold it, read from the files `npm run generate` writes from schema/warehouse.

infra/terraform/bigquery/tables/<table>.json is authoritative for what Looker queries: the dataset id, each table's
columns and types, its partition column, require_partition_filter and the policy tag on personal columns. The Spark
schemas (jobs/schemas/<table>.json) carry the same columns with their erasure rule, which is how user ids are marked:
they are not policy-tagged (they are pseudonymised on erasure, so counts survive) but are still personal.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# A defence in depth beside the schema's marks: names that always denote a person, whatever the schema says.
_PERSON_LIKE = re.compile(r"(^|_)user_id$|^(attempted_)?email$|^ip$|^user_agent$|^phone$|^full_name$")


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # BigQuery API names: STRING, INTEGER, FLOAT, NUMERIC, BOOLEAN, DATE, TIMESTAMP, JSON
    personal_reason: str | None  # why the column is personal data, or None


@dataclass(frozen=True)
class Table:
    name: str
    dataset: str
    kind: str
    columns: dict[str, Column]
    partition_column: str | None
    require_partition_filter: bool


@dataclass
class Warehouse:
    dataset: str
    tables: dict[str, Table] = field(default_factory=dict)


def _personal_reason(bq_field: dict[str, Any], spark_field: dict[str, Any] | None) -> str | None:
    if bq_field.get("policyTags"):
        return "carries the PII policy tag"
    meta = (spark_field or {}).get("metadata", {})
    if meta.get("pii"):
        return "is flagged pii"
    if meta.get("erasure"):
        return f"is a person reference (erasure rule {meta['erasure']!r})"
    if _PERSON_LIKE.search(bq_field["name"]):
        return "is named like a person reference"
    return None


def load_warehouse(tables_dir: Path, spark_dir: Path) -> Warehouse:
    """Reads every generated BigQuery table resource; all must name the same dataset (Terraform insists too)."""
    files = sorted(tables_dir.glob("*.json"))
    if not files:
        raise FileNotFoundError(f"no BigQuery table resources in {tables_dir} (run `npm run generate`)")
    datasets: set[str] = set()
    tables: dict[str, Table] = {}
    for path in files:
        resource = json.loads(path.read_text())
        ref = resource["tableReference"]
        datasets.add(ref["datasetId"])
        spark_path = spark_dir / path.name
        spark_fields: dict[str, dict[str, Any]] = {}
        if spark_path.exists():
            spark_fields = {f["name"]: f for f in json.loads(spark_path.read_text())["fields"]}
        columns = {
            f["name"]: Column(f["name"], f["type"], _personal_reason(f, spark_fields.get(f["name"])))
            for f in resource["schema"]["fields"]
        }
        partitioning = resource.get("timePartitioning") or {}
        tables[ref["tableId"]] = Table(
            name=ref["tableId"],
            dataset=ref["datasetId"],
            kind=resource.get("labels", {}).get("kind", ""),
            columns=columns,
            partition_column=partitioning.get("field"),
            require_partition_filter=bool(resource.get("requirePartitionFilter", False)),
        )
    if len(datasets) != 1:
        raise ValueError(f"the generated tables name several datasets: {sorted(datasets)}")
    return Warehouse(dataset=datasets.pop(), tables=tables)
