"""Helpers every transform module shares: the logical day's UTC bounds, id casting and schema conformance.

Timestamps are compared against timezone-aware literals (never `to_date`), so results do not depend on the Spark
session time zone; the job still sets it to UTC for anything that formats dates.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

UTC = _dt.UTC
MICROS_PER_SECOND = 1_000_000


class SchemaMismatch(ValueError):
    """A produced or raw DataFrame does not have the columns/types its contract names."""


def day_start(day: _dt.date) -> _dt.datetime:
    """00:00:00 UTC of `day` (timezone-aware, so Spark literals are exact instants)."""
    return _dt.datetime.combine(day, _dt.time(), tzinfo=UTC)


def day_end(day: _dt.date) -> _dt.datetime:
    """00:00:00 UTC of the next day: the exclusive end of `day` (24 hours, as the extract slices it)."""
    return day_start(day) + _dt.timedelta(hours=24)


def ts_lit(value: _dt.datetime) -> Column:
    """A TIMESTAMP literal; refuses naive datetimes, which PySpark would read in the driver's local zone."""
    if value.tzinfo is None:
        raise ValueError(f"timestamp literal must be timezone-aware, got {value!r}")
    return F.lit(value).cast(T.TimestampType())


def in_day(column: str | Column, day: _dt.date) -> Column:
    """`column` falls inside the logical UTC day [00:00, 24:00)."""
    c = F.col(column) if isinstance(column, str) else column
    return (c >= ts_lit(day_start(day))) & (c < ts_lit(day_end(day)))


def id_str(column: str) -> Column:
    """Source bigint ids become warehouse STRING ids (BigQuery/DuckDB keys are strings across the model)."""
    return F.col(column).cast(T.StringType())


def micros(column: str | Column) -> Column:
    """Epoch microseconds of a timestamp: exact integer arithmetic for durations and window frames."""
    c = F.col(column) if isinstance(column, str) else column
    return F.unix_micros(c)


def norm_email(column: str) -> Column:
    """Emails compared case- and blank-insensitively (the same mailbox typed differently is one account)."""
    return F.lower(F.trim(F.col(column)))


# Casts conform() may apply without losing information; anything else is a bug in a transform and must fail.
_WIDENING: dict[type[T.DataType], tuple[type[T.DataType], ...]] = {
    T.LongType: (T.LongType, T.IntegerType, T.ShortType, T.ByteType),
    T.IntegerType: (T.IntegerType, T.ShortType, T.ByteType),
    T.DoubleType: (T.DoubleType, T.FloatType, T.LongType, T.IntegerType, T.ShortType, T.ByteType),
    T.StringType: (T.StringType,),
    T.BooleanType: (T.BooleanType,),
    T.DateType: (T.DateType,),
    T.TimestampType: (T.TimestampType,),
}


def _castable(source: T.DataType, target: T.DataType) -> bool:
    if isinstance(source, T.NullType) or source == target:
        return True
    allowed = _WIDENING.get(type(target))
    return allowed is not None and isinstance(source, allowed)


def _never_used_default(data_type: T.DataType) -> Column:
    """The typed last branch of coalesce() that makes a column non-nullable; raise_error() fires before it."""
    defaults: dict[type[T.DataType], object] = {
        T.StringType: "",
        T.LongType: 0,
        T.IntegerType: 0,
        T.DoubleType: 0.0,
        T.BooleanType: False,
        T.DateType: _dt.date(1970, 1, 1),
        T.TimestampType: _dt.datetime(1970, 1, 1, tzinfo=UTC),
    }
    if type(data_type) not in defaults:
        raise SchemaMismatch(f"no REQUIRED-column support for type {data_type.simpleString()}")
    return F.lit(defaults[type(data_type)]).cast(data_type)


def conform(df: DataFrame, schema: T.StructType, table: str) -> DataFrame:
    """Selects exactly the schema's columns, in order, with its types, nullability and field metadata.

    Fails loudly (SchemaMismatch) on a missing, extra or duplicated column or on a lossy cast, before any data is
    read. A REQUIRED column is wrapped in `coalesce(col, raise_error(...), <typed literal>)`: Spark then types it
    NOT NULL (so the Parquet field is REQUIRED, as the warehouse column is), and a NULL that slipped through fails
    the job with the table and column in the message instead of being loaded.
    """
    names = df.columns
    expected = [f.name for f in schema.fields]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    missing = [n for n in expected if n not in names]
    extra = [n for n in names if n not in expected]
    if duplicated or missing or extra:
        raise SchemaMismatch(f"{table}: missing columns {missing}, extra columns {extra}, duplicated {duplicated}")
    produced = {f.name: f for f in df.schema.fields}
    bad_types = [
        f"{f.name}: {produced[f.name].dataType.simpleString()} -> {f.dataType.simpleString()}"
        for f in schema.fields
        if not _castable(produced[f.name].dataType, f.dataType)
    ]
    if bad_types:
        raise SchemaMismatch(f"{table}: lossy or unsupported casts {bad_types}")
    columns: list[Column] = []
    for field in schema.fields:
        c = F.col(field.name)
        if produced[field.name].dataType != field.dataType:
            c = c.cast(field.dataType)
        if not field.nullable:
            message = f"{table}.{field.name} is NULL but the warehouse column is REQUIRED"
            c = F.coalesce(c, F.raise_error(message).cast(field.dataType), _never_used_default(field.dataType))
        elif not produced[field.name].nullable:
            # A CASE without ELSE is nullable: the column is declared NULLABLE exactly as the schema says.
            c = F.when(c.isNotNull(), c)
        columns.append(c.alias(field.name, metadata=field.metadata))
    return df.select(columns)


def schema_problems(actual: T.StructType, expected: T.StructType) -> list[str]:
    """Human-readable differences (name, order, type, nullability) between two schemas; empty when they agree."""
    problems: list[str] = []
    a_names = [f.name for f in actual.fields]
    e_names = [f.name for f in expected.fields]
    if a_names != e_names:
        problems.append(f"columns {a_names} != {e_names}")
    for a, e in zip(actual.fields, expected.fields, strict=False):
        if a.name == e.name and (a.dataType != e.dataType or a.nullable != e.nullable):
            problems.append(
                f"{a.name}: {a.dataType.simpleString()} nullable={a.nullable}"
                f" != {e.dataType.simpleString()} nullable={e.nullable}"
            )
    return problems


def union_all(frames: Iterable[DataFrame]) -> DataFrame:
    """unionByName over a non-empty sequence (columns matched by name, not position)."""
    it = iter(frames)
    out = next(it)
    for df in it:
        out = out.unionByName(df)
    return out
