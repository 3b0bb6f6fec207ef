"""The tables the daily transform produces, and how each is derived from raw tables or other produced tables.

`DailyTransform` is the only place that knows the dependency graph. It asks a loader for raw tables lazily, so a
`--tables` subset reads only the raw tables it needs, and it conforms every output to its generated warehouse
schema. It does no I/O itself: the entrypoint passes a loader reading the raw zone, tests pass in-memory fixtures.
"""

from __future__ import annotations

import datetime as _dt
import threading
from collections.abc import Callable, Iterable

from pyspark.sql import DataFrame, SparkSession

from jobs.transform import demographics, dimensions, facts, reporting, security
from jobs.transform.common import conform
from jobs.transform.raw import conform_raw
from jobs.transform.schemas import load_schema

RawLoader = Callable[[str], DataFrame]

FACT_TABLES: tuple[str, ...] = (
    "fact_user_activities",
    "fact_session_metrics",
    "fact_auth_events",
    "fact_team_collaborations",
    "fact_api_requests",
    "fact_permission_checks",
)
DIMENSION_TABLES: tuple[str, ...] = (
    "dim_users",
    "dim_tenants",
    "dim_teams",
    "dim_roles",
    "dim_user_roles",
    "dim_team_members",
    "dim_timeperiod",
)
OPERATIONS_TABLES: tuple[str, ...] = ("security_incidents",)
REPORTING_TABLES: tuple[str, ...] = (
    "rpt_session_duration_daily",
    "rpt_login_failures_daily",
    "rpt_security_daily",
    "rpt_api_performance_daily",
    "rpt_user_distribution_daily",
    "rpt_team_composition_daily",
)
PRODUCED_TABLES: tuple[str, ...] = FACT_TABLES + DIMENSION_TABLES + OPERATIONS_TABLES + REPORTING_TABLES

#: Raw tables a full build reads (permissions and legal_holds, also in the raw zone, are not needed here). The
#: TypeScript transform activity resolves exactly these partitions into the input manifest; tests keep all in step.
RAW_INPUTS: tuple[str, ...] = (
    "tenants",
    "roles",
    "role_permissions",
    "users",
    "user_roles",
    "teams",
    "team_members",
    "sessions",
    "auth_events",
    "activity_events",
    "api_requests",
    "collaboration_events",
    "permission_checks",
)

#: Warehouse tables this job deliberately leaves to others, and why (kept next to the list it complements).
NOT_PRODUCED: dict[str, str] = {
    "rpt_engagement_daily": "WAU/MAU/stickiness need 7- and 30-day trailing activity: warehouse SQL at publish",
    "rpt_feature_adoption_daily": "new/cumulative adopters need each user's first-ever use: warehouse SQL",
    "rpt_tenant_growth_daily": "active_users_30d needs 30 days of activity: warehouse SQL",
    "rpt_user_journeys_daily": "publish-time warehouse SQL over the loaded facts (a Spark output costs a write)",
    "rpt_feature_funnel_daily": "publish-time warehouse SQL over the loaded facts",
    "rpt_team_performance_daily": "publish-time warehouse SQL over the loaded facts and dimensions",
    "rpt_permission_access_daily": "publish-time warehouse SQL over the loaded facts and dimensions",
    "rpt_api_errors_daily": "publish-time warehouse SQL over the loaded facts",
    "rpt_tenant_resources_daily": "needs the run's stage times, known to the workflow only: warehouse SQL at publish",
    "rpt_incidents_daily": "needs the stream's incidents, held in the warehouse only: warehouse SQL at publish",
    "dq_results": "written by the data-quality activities",
    "audit_log": "written by activities",
    "pipeline_runs": "written by the workflow",
    "stream_login_attempts_1m": "real-time windows: projected by the stream consumers (activities/stream)",
    "stream_feature_usage_1m": "real-time windows: projected by the stream consumers (activities/stream)",
    "stream_api_performance_1m": "real-time windows: projected by the stream consumers (activities/stream)",
    "stream_sessions_1m": "real-time windows: projected by the stream consumers (activities/stream)",
    "stream_security_incidents": "real-time incidents: projected by the stream consumers (activities/stream)",
    "fact_stream_events": "the stream's raw archive: written hourly to the raw zone by the stream consumers",
}


class DailyTransform:
    """Builds the produced tables of one logical day from a raw-table loader (memoised, lazily)."""

    def __init__(self, spark: SparkSession, day: _dt.date, load_raw: RawLoader) -> None:
        self.spark = spark
        self.day = day
        self._load_raw = load_raw
        self._raw: dict[str, DataFrame] = {}
        self._tables: dict[str, DataFrame] = {}
        # The entrypoint builds tables from several threads: one builder at a time, each table and input once.
        self._lock = threading.RLock()
        d = day
        self._builders: dict[str, Callable[[], DataFrame]] = {
            "fact_user_activities": lambda: facts.user_activities(self.raw("activity_events"), d),
            "fact_session_metrics": lambda: facts.session_metrics(self.raw("sessions"), self.raw("activity_events"), d),
            "fact_auth_events": lambda: facts.auth_events(self.raw("auth_events"), d),
            "fact_team_collaborations": lambda: facts.team_collaborations(self.raw("collaboration_events"), d),
            "fact_api_requests": lambda: facts.api_requests(self.raw("api_requests"), d),
            "fact_permission_checks": lambda: facts.permission_checks(self.raw("permission_checks"), d),
            "dim_users": lambda: dimensions.users(self.raw("users")),
            "dim_tenants": lambda: dimensions.tenants(self.raw("tenants")),
            "dim_teams": lambda: dimensions.teams(self.raw("teams")),
            "dim_roles": lambda: dimensions.roles(self.raw("roles"), self.raw("role_permissions")),
            "dim_user_roles": lambda: dimensions.user_roles(
                self.raw("user_roles"), self.raw("users"), self.raw("roles")
            ),
            "dim_team_members": lambda: dimensions.team_members(self.raw("team_members"), self.raw("teams")),
            "dim_timeperiod": lambda: dimensions.timeperiod(self.spark, d),
            "security_incidents": lambda: security.detect_incidents(self.table("fact_auth_events"), d),
            "rpt_session_duration_daily": lambda: reporting.session_duration_daily(
                self.table("fact_session_metrics"), d
            ),
            "rpt_login_failures_daily": lambda: security.login_failures_daily(self.table("fact_auth_events"), d),
            "rpt_security_daily": lambda: security.security_daily(
                self.table("fact_auth_events"), self.table("security_incidents"), d
            ),
            "rpt_api_performance_daily": lambda: reporting.api_performance_daily(self.table("fact_api_requests"), d),
            "rpt_user_distribution_daily": lambda: demographics.user_distribution_daily(
                self.table("dim_users"), self.table("dim_user_roles"), self.table("dim_roles"), d
            ),
            "rpt_team_composition_daily": lambda: demographics.team_composition_daily(
                self.table("dim_teams"),
                self.table("dim_team_members"),
                self.table("dim_users"),
                self.table("dim_user_roles"),
                self.table("dim_roles"),
                d,
            ),
        }
        if tuple(self._builders) != PRODUCED_TABLES:
            raise RuntimeError("DailyTransform builders and PRODUCED_TABLES must list the same tables in order")

    def raw(self, table: str) -> DataFrame:
        """Raw table `table`, checked against the raw contract (loaded once)."""
        with self._lock:
            if table not in self._raw:
                self._raw[table] = conform_raw(self._load_raw(table), table)
            return self._raw[table]

    def table(self, name: str) -> DataFrame:
        """Produced table `name`, conformed to jobs/schemas/<name>.json (built once)."""
        if name not in self._builders:
            raise KeyError(f"{name!r} is not produced by the daily transform; produced: {', '.join(PRODUCED_TABLES)}")
        with self._lock:
            if name not in self._tables:
                self._tables[name] = conform(self._builders[name](), load_schema(name), name)
            return self._tables[name]

    def build(self, names: Iterable[str] = PRODUCED_TABLES) -> dict[str, DataFrame]:
        """The requested produced tables, in the order given."""
        return {name: self.table(name) for name in names}


def select_tables(spec: str | None) -> tuple[str, ...]:
    """Parses `--tables a,b` into produced table names (all when empty); unknown names fail with the valid list."""
    if not spec:
        return PRODUCED_TABLES
    names = tuple(dict.fromkeys(n.strip() for n in spec.split(",") if n.strip()))
    unknown = [n for n in names if n not in PRODUCED_TABLES]
    if unknown or not names:
        raise ValueError(f"unknown tables {unknown}; the daily transform produces: {', '.join(PRODUCED_TABLES)}")
    return names
