"""Dimensions: the day's snapshots of the source entities, MERGEd into the warehouse on their source ids.

Snapshots are emitted whole (including rows created after the logical day, if the extract ran later): SCD type 1
means the latest state wins, and the reporting builders apply the "as of the end of the day" cut themselves.
"""

from __future__ import annotations

import datetime as _dt

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from jobs.transform.common import id_str

MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def users(users: DataFrame) -> DataFrame:
    """dim_users: the source row as is (personal columns stay in clear; BigQuery policy tags guard them)."""
    return users.select(
        id_str("user_id").alias("user_id"),
        id_str("tenant_id").alias("tenant_id"),
        "email",
        "full_name",
        "phone",
        "country",
        "region",
        "city",
        "timezone",
        "job_title",
        "status",
        "created_at",
        "updated_at",
        "last_login_at",
        "deleted_at",
    )


def tenants(tenants: DataFrame) -> DataFrame:
    """dim_tenants: the source row with `name` as tenant_name."""
    return tenants.select(
        id_str("tenant_id").alias("tenant_id"),
        F.col("name").alias("tenant_name"),
        "plan",
        "region",
        "status",
        "created_at",
    )


def teams(teams: DataFrame) -> DataFrame:
    """dim_teams: the source row with `name` as team_name."""
    return teams.select(
        id_str("team_id").alias("team_id"),
        id_str("tenant_id").alias("tenant_id"),
        F.col("name").alias("team_name"),
        "created_at",
    )


def roles(roles: DataFrame, role_permissions: DataFrame) -> DataFrame:
    """dim_roles with permission_count: the role's role_permissions rows (0 for a role granting nothing)."""
    counts = role_permissions.groupBy("role_id").agg(F.count(F.lit(1)).alias("permission_count"))
    return roles.join(counts, "role_id", "left").select(
        id_str("role_id").alias("role_id"),
        id_str("tenant_id").alias("tenant_id"),
        F.col("name").alias("role_name"),
        "description",
        "is_system",
        F.coalesce(F.col("permission_count"), F.lit(0).cast("long")).alias("permission_count"),
        "created_at",
    )


def user_roles(user_roles: DataFrame, users: DataFrame, roles: DataFrame) -> DataFrame:
    """dim_user_roles, with the tenant of the user (or of the role when snapshots disagree).

    Dimension snapshots are separate queries, so a user created between two of them can be missing from the users
    snapshot; the role's tenant keeps such rows. Rows matching neither (impossible under the source foreign keys)
    are dropped rather than failing the REQUIRED tenant_id.
    """
    u = users.select("user_id", F.col("tenant_id").alias("user_tenant_id"))
    r = roles.select("role_id", F.col("tenant_id").alias("role_tenant_id"))
    tenant = F.coalesce(F.col("user_tenant_id"), F.col("role_tenant_id"))
    return (
        user_roles.join(u, "user_id", "left")
        .join(r, "role_id", "left")
        .where(tenant.isNotNull())
        .select(
            id_str("user_id").alias("user_id"),
            id_str("role_id").alias("role_id"),
            tenant.cast("string").alias("tenant_id"),
            "assigned_at",
        )
    )


def team_members(team_members: DataFrame, teams: DataFrame) -> DataFrame:
    """dim_team_members, with the team's tenant; the member's in-team role becomes member_role."""
    t = teams.select("team_id", "tenant_id")
    return team_members.join(t, "team_id", "inner").select(
        id_str("team_id").alias("team_id"),
        id_str("user_id").alias("user_id"),
        id_str("tenant_id").alias("tenant_id"),
        F.col("role").alias("member_role"),
        "joined_at",
    )


TIMEPERIOD_SCHEMA = T.StructType(
    [
        T.StructField("calendar_date", T.DateType(), False),
        T.StructField("year", T.LongType(), False),
        T.StructField("quarter", T.LongType(), False),
        T.StructField("month", T.LongType(), False),
        T.StructField("month_name", T.StringType(), False),
        T.StructField("day_of_month", T.LongType(), False),
        T.StructField("day_of_week", T.LongType(), False),
        T.StructField("day_name", T.StringType(), False),
        T.StructField("iso_year", T.LongType(), False),
        T.StructField("iso_week", T.LongType(), False),
        T.StructField("week_start_date", T.DateType(), False),
        T.StructField("month_start_date", T.DateType(), False),
        T.StructField("is_weekend", T.BooleanType(), False),
    ]
)


def calendar_row(d: _dt.date) -> tuple[object, ...]:
    """One dim_timeperiod row, computed with Python's proleptic Gregorian calendar and ISO weeks."""
    iso_year, iso_week, iso_weekday = d.isocalendar()
    return (
        d,
        d.year,
        (d.month - 1) // 3 + 1,
        d.month,
        MONTH_NAMES[d.month - 1],
        d.day,
        iso_weekday,
        DAY_NAMES[iso_weekday - 1],
        iso_year,
        iso_week,
        d - _dt.timedelta(days=iso_weekday - 1),
        d.replace(day=1),
        iso_weekday >= 6,
    )


def timeperiod(spark: SparkSession, day: _dt.date) -> DataFrame:
    """dim_timeperiod for the whole calendar year of the logical date (365/366 rows).

    The calendar is generated, not extracted; emitting the full year on every run keeps it complete for dashboards
    that zero-fill days without data, and re-emitting identical rows is harmless under the MERGE on calendar_date.
    Built as an inline `VALUES` table (a local relation the JVM plans and scans itself): `createDataFrame` over
    Python rows would ship them as a pickled RDD and run a Spark job to read them back.
    """
    first = _dt.date(day.year, 1, 1)
    days = (_dt.date(day.year + 1, 1, 1) - first).days
    rows = [calendar_row(first + _dt.timedelta(days=i)) for i in range(days)]
    values = ",\n".join("(" + ", ".join(_sql_literal(v) for v in row) + ")" for row in rows)
    names = ", ".join(f.name for f in TIMEPERIOD_SCHEMA.fields)
    df = spark.sql(f"SELECT * FROM VALUES {values} AS calendar({names})")
    return df.select([F.col(f.name).cast(f.dataType).alias(f.name) for f in TIMEPERIOD_SCHEMA.fields])


def _sql_literal(value: object) -> str:
    """A Spark SQL literal of a calendar_row value (bool before int: bool is an int in Python)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"{value}L"
    if isinstance(value, _dt.date):
        return f"DATE'{value.isoformat()}'"
    if isinstance(value, str) and value.isalpha():
        return f"'{value}'"
    raise TypeError(f"no SQL literal for calendar value {value!r}")
