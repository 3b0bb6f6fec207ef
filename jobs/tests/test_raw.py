"""The raw-zone contract: what the TypeScript extract must write, and how drift is reported."""

from __future__ import annotations

import datetime as _dt

import pytest
from pyspark.sql import SparkSession

from jobs.transform.common import SchemaMismatch
from jobs.transform.raw import RAW_SCHEMAS, conform_raw

AT = _dt.datetime(2026, 11, 27, 9, tzinfo=_dt.UTC)


def test_raw_schemas_follow_the_source_table_order() -> None:
    # Spot checks against schema/source/tables.ts (the column order extracts and COPYs use).
    assert RAW_SCHEMAS["auth_events"].names == [
        "event_id", "tenant_id", "user_id", "attempted_email", "event_type", "ip", "user_agent", "failure_reason",
        "occurred_at",
    ]  # fmt: skip
    assert len(RAW_SCHEMAS) == 15


def test_conform_raw_widens_reorders_and_drops_extra_columns(spark: SparkSession) -> None:
    df = spark.createDataFrame(
        [("/a", 1, 2, None, "GET", 503, 12, AT, "extra")],
        "endpoint string, request_id int, tenant_id long, user_id long, method string, status_code short, "
        "duration_ms int, occurred_at timestamp, new_column string",
    )
    out = conform_raw(df, "api_requests")
    assert out.schema == RAW_SCHEMAS["api_requests"]
    assert out.collect() == [(1, 2, None, "/a", "GET", 503, 12, AT.replace(tzinfo=None))]


def test_conform_raw_reports_missing_columns_and_wrong_types(spark: SparkSession) -> None:
    df = spark.createDataFrame(
        [(1, 1, "2026-11-27 09:00:00")], "check_id long, tenant_id long, occurred_at string"
    )  # fmt: skip
    with pytest.raises(SchemaMismatch) as error:
        conform_raw(df, "permission_checks")
    message = str(error.value)
    assert "missing column user_id" in message and "missing column granted" in message
    assert "occurred_at: string is not timestamp" in message
