"""Fixture builders shared by the jobs tests: raw DataFrames with the raw contract's schema, UTC instants, rows."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from typing import Any

from pyspark.sql import DataFrame, SparkSession

from jobs.transform.common import conform
from jobs.transform.raw import RAW_SCHEMAS
from jobs.transform.schemas import load_schema

DAY = _dt.date(2026, 11, 27)


def utc(text: str) -> _dt.datetime:
    """A timezone-aware UTC instant: '10:00' / '10:00:05.5' on DAY, or a full 'YYYY-MM-DD HH:MM[:SS]'."""
    if len(text) <= 15:
        text = f"{DAY.isoformat()} {text}"
    return _dt.datetime.fromisoformat(text).replace(tzinfo=_dt.UTC)


def wall(text: str) -> _dt.datetime:
    """What Spark hands back for `utc(text)` in this UTC process: the naive UTC wall time."""
    return utc(text).replace(tzinfo=None)


def raw(spark: SparkSession, table: str, rows: Sequence[Sequence[Any]]) -> DataFrame:
    """A raw-zone table with the exact raw contract schema (int64 ids, UTC timestamps, ...)."""
    return spark.createDataFrame([tuple(r) for r in rows], RAW_SCHEMAS[table])


def conformed(df: DataFrame, table: str) -> DataFrame:
    """`df` conformed to the generated warehouse schema of `table`, as the job writes it."""
    return conform(df, load_schema(table), table)


def rows(df: DataFrame, ndigits: int = 9) -> list[tuple[Any, ...]]:
    """All rows as sorted tuples, floats rounded (exact arithmetic differs in the last bits between engines)."""

    def norm(v: Any) -> Any:
        return round(v, ndigits) if isinstance(v, float) else v

    return sorted((tuple(norm(v) for v in r) for r in df.collect()), key=repr)


def assert_rows(df: DataFrame, expected: Sequence[Sequence[Any]], ndigits: int = 9) -> None:
    """Row-for-row equality (order-insensitive), with the same float rounding on both sides."""

    def norm(v: Any) -> Any:
        return round(v, ndigits) if isinstance(v, float) else v

    want = sorted((tuple(norm(v) for v in r) for r in expected), key=repr)
    got = rows(df, ndigits)
    assert got == want, "\n".join(["rows differ:", "got:", *map(repr, got), "want:", *map(repr, want)])
