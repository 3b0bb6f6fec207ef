"""The raw zone's contract: the source tables of schema/source/tables.ts as the TypeScript extract writes them.

Column names and order follow tables.ts (and the SQL migrations); types follow the extract's Parquet mapping:
bigint -> int64, integer/smallint -> int32, text -> string, timestamptz -> timestamp (UTC instant), boolean ->
boolean, jsonb -> string (JSON text), inet -> string. `conform_raw` checks a DataFrame read from the raw zone
against it, so a drifted extract fails here, by column, instead of producing silently wrong facts.
"""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

from jobs.transform.common import SchemaMismatch

_I64 = T.LongType()
_I32 = T.IntegerType()
_STR = T.StringType()
_TS = T.TimestampType()
_BOOL = T.BooleanType()


def _struct(*columns: tuple[str, T.DataType]) -> T.StructType:
    return T.StructType([T.StructField(name, data_type, True) for name, data_type in columns])


RAW_SCHEMAS: dict[str, T.StructType] = {
    "tenants": _struct(
        ("tenant_id", _I64), ("name", _STR), ("plan", _STR), ("region", _STR), ("status", _STR), ("created_at", _TS)
    ),
    "permissions": _struct(
        ("permission_id", _I64), ("name", _STR), ("resource", _STR), ("action", _STR), ("description", _STR)
    ),
    "roles": _struct(
        ("role_id", _I64),
        ("tenant_id", _I64),
        ("name", _STR),
        ("description", _STR),
        ("is_system", _BOOL),
        ("created_at", _TS),
    ),
    "role_permissions": _struct(("role_id", _I64), ("permission_id", _I64)),
    "users": _struct(
        ("user_id", _I64),
        ("tenant_id", _I64),
        ("email", _STR),
        ("full_name", _STR),
        ("phone", _STR),
        ("country", _STR),
        ("region", _STR),
        ("city", _STR),
        ("timezone", _STR),
        ("job_title", _STR),
        ("status", _STR),
        ("created_at", _TS),
        ("updated_at", _TS),
        ("last_login_at", _TS),
        ("deleted_at", _TS),
    ),
    "user_roles": _struct(("user_id", _I64), ("role_id", _I64), ("assigned_at", _TS)),
    "teams": _struct(("team_id", _I64), ("tenant_id", _I64), ("name", _STR), ("created_at", _TS)),
    "team_members": _struct(("team_id", _I64), ("user_id", _I64), ("role", _STR), ("joined_at", _TS)),
    "legal_holds": _struct(("user_id", _I64), ("tenant_id", _I64), ("reason", _STR), ("created_at", _TS)),
    "sessions": _struct(
        ("session_id", _I64),
        ("user_id", _I64),
        ("tenant_id", _I64),
        ("started_at", _TS),
        ("ended_at", _TS),
        ("ip", _STR),
        ("user_agent", _STR),
        ("device", _STR),
    ),
    "auth_events": _struct(
        ("event_id", _I64),
        ("tenant_id", _I64),
        ("user_id", _I64),
        ("attempted_email", _STR),
        ("event_type", _STR),
        ("ip", _STR),
        ("user_agent", _STR),
        ("failure_reason", _STR),
        ("occurred_at", _TS),
    ),
    "activity_events": _struct(
        ("event_id", _I64),
        ("tenant_id", _I64),
        ("user_id", _I64),
        ("session_id", _I64),
        ("feature", _STR),
        ("action", _STR),
        ("metadata", _STR),
        ("occurred_at", _TS),
    ),
    "api_requests": _struct(
        ("request_id", _I64),
        ("tenant_id", _I64),
        ("user_id", _I64),
        ("endpoint", _STR),
        ("method", _STR),
        ("status_code", _I32),
        ("duration_ms", _I32),
        ("occurred_at", _TS),
    ),
    "collaboration_events": _struct(
        ("event_id", _I64),
        ("tenant_id", _I64),
        ("team_id", _I64),
        ("actor_user_id", _I64),
        ("target_user_id", _I64),
        ("kind", _STR),
        ("occurred_at", _TS),
    ),
    "permission_checks": _struct(
        ("check_id", _I64),
        ("tenant_id", _I64),
        ("user_id", _I64),
        ("resource", _STR),
        ("permission", _STR),
        ("granted", _BOOL),
        ("occurred_at", _TS),
    ),
}

# Physical types accepted for each contract type. Narrower integers widen losslessly (a Parquet writer may keep
# smallint as INT32 annotated INT(16)); TIMESTAMP_NTZ is read as UTC wall time (the job's session zone is UTC).
_ACCEPTED: dict[type[T.DataType], tuple[type[T.DataType], ...]] = {
    T.LongType: (T.LongType, T.IntegerType, T.ShortType, T.ByteType),
    T.IntegerType: (T.IntegerType, T.ShortType, T.ByteType),
    T.StringType: (T.StringType,),
    T.TimestampType: (T.TimestampType, T.TimestampNTZType),
    T.BooleanType: (T.BooleanType,),
}


def conform_raw(df: DataFrame, table: str) -> DataFrame:
    """The raw table with exactly the contract's columns, order and types.

    Missing columns and incompatible types fail (SchemaMismatch naming each problem); extra columns are dropped, so
    an extract that starts shipping a new column does not break the job before the transform uses it.
    """
    if table not in RAW_SCHEMAS:
        raise SchemaMismatch(f"unknown raw table {table!r}")
    actual = {f.name: f.dataType for f in df.schema.fields}
    problems: list[str] = []
    for field in RAW_SCHEMAS[table].fields:
        got = actual.get(field.name)
        if got is None:
            problems.append(f"missing column {field.name}")
        elif not isinstance(got, _ACCEPTED[type(field.dataType)]):
            problems.append(f"{field.name}: {got.simpleString()} is not {field.dataType.simpleString()}")
    if problems:
        raise SchemaMismatch(f"raw {table}: {'; '.join(problems)}")
    return df.select(
        [
            (F.col(f.name) if actual[f.name] == f.dataType else F.col(f.name).cast(f.dataType)).alias(f.name)
            for f in RAW_SCHEMAS[table].fields
        ]
    )
