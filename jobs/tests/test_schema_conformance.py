"""Every produced table matches its generated Spark schema exactly, and conform() refuses what does not fit."""

from __future__ import annotations

import os

import pytest
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import types as T

from jobs.tests.helpers import DAY
from jobs.tests.sample_data import sample_raw
from jobs.transform.common import SchemaMismatch, conform, schema_problems
from jobs.transform.pipeline import NOT_PRODUCED, PRODUCED_TABLES, DailyTransform, select_tables
from jobs.transform.schemas import load_schema

SCHEMA_DIR = os.path.join(os.path.dirname(__file__), "..", "schemas")


@pytest.fixture(scope="module")
def produced(spark: SparkSession) -> dict[str, DataFrame]:
    raw_tables = sample_raw(spark)
    return DailyTransform(spark, DAY, raw_tables.__getitem__).build()


def test_every_warehouse_table_is_produced_or_deliberately_left_out() -> None:
    generated = {f[: -len(".json")] for f in os.listdir(SCHEMA_DIR) if f.endswith(".json")}
    assert set(PRODUCED_TABLES) | set(NOT_PRODUCED) == generated
    assert not set(PRODUCED_TABLES) & set(NOT_PRODUCED)


@pytest.mark.parametrize("table", PRODUCED_TABLES)
def test_produced_schema_is_exactly_the_generated_one(produced: dict[str, DataFrame], table: str) -> None:
    expected = load_schema(table)
    actual = produced[table].schema
    assert schema_problems(actual, expected) == []
    assert actual == expected  # field metadata (comments, pii, erasure) included


def test_conform_refuses_missing_extra_and_lossy_columns(spark: SparkSession) -> None:
    schema = T.StructType([T.StructField("a", T.LongType(), False), T.StructField("b", T.StringType(), True)])
    with pytest.raises(SchemaMismatch, match=r"missing columns \['b'\]"):
        conform(spark.createDataFrame([(1,)], "a long"), schema, "t")
    with pytest.raises(SchemaMismatch, match=r"extra columns \['c'\]"):
        conform(spark.createDataFrame([(1, "x", 2)], "a long, b string, c int"), schema, "t")
    with pytest.raises(SchemaMismatch, match=r"a: string -> bigint"):
        conform(spark.createDataFrame([("1", "x")], "a string, b string"), schema, "t")


def test_conform_widens_reorders_and_fails_on_null_in_required(spark: SparkSession) -> None:
    schema = T.StructType([T.StructField("a", T.LongType(), False), T.StructField("b", T.StringType(), True)])
    out = conform(spark.createDataFrame([("x", 1)], "b string, a int"), schema, "t")
    assert out.schema == schema and out.collect() == [(1, "x")]
    with pytest.raises(Exception, match=r"t\.a is NULL but the warehouse column is REQUIRED"):
        conform(spark.createDataFrame([(None, "x")], "a int, b string"), schema, "t").collect()


def test_table_selection() -> None:
    assert select_tables("") == PRODUCED_TABLES
    assert select_tables(" dim_users,fact_auth_events,dim_users ") == ("dim_users", "fact_auth_events")
    with pytest.raises(ValueError, match="rpt_engagement_daily"):
        select_tables("fact_auth_events,rpt_engagement_daily")
