"""Facts: one row per source event (or session) of the logical day, keyed by the source id.

Every builder keeps only rows whose timestamp falls in the logical UTC day. The extract already slices event tables
that way, so this is a no-op in a healthy run; it guarantees `event_date` is the row's own date even if a raw
partition ever holds a neighbour's rows, which would otherwise be loaded into the wrong warehouse partition.
"""

from __future__ import annotations

import datetime as _dt

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from jobs.transform.common import MICROS_PER_SECOND, id_str, in_day, micros
from jobs.transform.pii import scrub_metadata

UNKNOWN_DEVICE = "unknown"


def user_activities(activity_events: DataFrame, day: _dt.date) -> DataFrame:
    """fact_user_activities: activity events with personal-data keys removed from `metadata`."""
    return activity_events.where(in_day("occurred_at", day)).select(
        id_str("event_id").alias("event_id"),
        F.lit(day).alias("event_date"),
        id_str("tenant_id").alias("tenant_id"),
        id_str("user_id").alias("user_id"),
        id_str("session_id").alias("session_id"),
        F.col("occurred_at"),
        F.col("feature"),
        F.col("action"),
        scrub_metadata("metadata").alias("metadata"),
    )


def session_metrics(sessions: DataFrame, activity_events: DataFrame, day: _dt.date) -> DataFrame:
    """fact_session_metrics: sessions started on the day, with duration and their activity count.

    activity_count counts the day's activity events carrying the session's id (the column's definition): only the
    start day's slice is extracted with it, so activity after midnight of a session crossing it is not counted.
    duration_seconds truncates to whole seconds, computed on epoch microseconds (exact integer arithmetic).
    """
    started = sessions.where(in_day("started_at", day))
    counts = (
        activity_events.where(in_day("occurred_at", day) & F.col("session_id").isNotNull())
        .groupBy("session_id")
        .agg(F.count(F.lit(1)).alias("activity_count"))
    )
    duration = F.when(
        F.col("ended_at").isNotNull(),
        F.floor((micros("ended_at") - micros("started_at")) / F.lit(MICROS_PER_SECOND)).cast("long"),
    )
    return started.join(counts, "session_id", "left").select(
        id_str("session_id").alias("session_id"),
        F.lit(day).alias("event_date"),
        id_str("tenant_id").alias("tenant_id"),
        id_str("user_id").alias("user_id"),
        F.col("started_at"),
        F.col("ended_at"),
        duration.alias("duration_seconds"),
        F.coalesce(F.col("device"), F.lit(UNKNOWN_DEVICE)).alias("device"),
        F.coalesce(F.col("activity_count"), F.lit(0).cast("long")).alias("activity_count"),
        F.col("ip"),
        F.col("user_agent"),
    )


def auth_events(auth_events: DataFrame, day: _dt.date) -> DataFrame:
    """fact_auth_events: every authentication event, as the source recorded it.

    failure_reason is the source's own vocabulary, set exactly for login_failure (a source CHECK guarantees it);
    user_id stays NULL for failures against accounts that do not exist.
    """
    return auth_events.where(in_day("occurred_at", day)).select(
        id_str("event_id").alias("event_id"),
        F.lit(day).alias("event_date"),
        id_str("tenant_id").alias("tenant_id"),
        id_str("user_id").alias("user_id"),
        F.col("occurred_at"),
        F.col("event_type"),
        F.col("failure_reason"),
        F.col("attempted_email"),
        F.col("ip"),
        F.col("user_agent"),
    )


def team_collaborations(collaboration_events: DataFrame, day: _dt.date) -> DataFrame:
    """fact_team_collaborations: the actor is the fact's user_id; the target, if any, stays a separate column."""
    return collaboration_events.where(in_day("occurred_at", day)).select(
        id_str("event_id").alias("event_id"),
        F.lit(day).alias("event_date"),
        id_str("tenant_id").alias("tenant_id"),
        id_str("team_id").alias("team_id"),
        id_str("actor_user_id").alias("user_id"),
        id_str("target_user_id").alias("target_user_id"),
        F.col("occurred_at"),
        F.col("kind"),
    )


def api_requests(api_requests: DataFrame, day: _dt.date) -> DataFrame:
    """fact_api_requests: is_error marks server errors (>= 500) only; 4xx are the client's fault."""
    return api_requests.where(in_day("occurred_at", day)).select(
        id_str("request_id").alias("event_id"),
        F.lit(day).alias("event_date"),
        id_str("tenant_id").alias("tenant_id"),
        id_str("user_id").alias("user_id"),
        F.col("occurred_at"),
        F.col("endpoint"),
        F.col("method"),
        F.col("status_code").cast("long").alias("status_code"),
        F.col("duration_ms").cast("long").alias("duration_ms"),
        (F.col("status_code") >= 500).alias("is_error"),
    )


def permission_checks(permission_checks: DataFrame, day: _dt.date) -> DataFrame:
    """fact_permission_checks: one row per authorisation decision."""
    return permission_checks.where(in_day("occurred_at", day)).select(
        id_str("check_id").alias("event_id"),
        F.lit(day).alias("event_date"),
        id_str("tenant_id").alias("tenant_id"),
        id_str("user_id").alias("user_id"),
        F.col("occurred_at"),
        F.col("resource"),
        F.col("permission"),
        F.col("granted"),
    )
