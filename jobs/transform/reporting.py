"""Day-local reporting tables computed from the day's facts: session durations and API performance.

Percentiles are exact (`percentile`, linear interpolation between the two closest ranks, as numpy's default and
PostgreSQL's percentile_cont), so the figures are reproducible and testable by hand. The BigQuery side documents
its own as approximate; exact is the better reference. `percentile` keeps one counter per distinct value per group,
which stays small for integer latencies and durations.
"""

from __future__ import annotations

import datetime as _dt

from pyspark.sql import DataFrame
from pyspark.sql import functions as F


def session_duration_daily(fact_session_metrics: DataFrame, day: _dt.date) -> DataFrame:
    """rpt_session_duration_daily: per tenant and device, over sessions started on the day that have ended.

    Every (tenant, device) with a session started on the day gets a row; when none of them ended yet, the counts
    are 0 and the averages/percentiles NULL, as the columns describe.
    """
    duration = F.col("duration_seconds")
    done = F.col("ended_at").isNotNull() & duration.isNotNull()
    completed = F.when(done, duration)
    return (
        fact_session_metrics.groupBy("tenant_id", "device")
        .agg(
            F.count(completed).alias("sessions"),
            F.countDistinct(F.when(done, F.col("user_id"))).alias("users"),
            F.coalesce(F.sum(completed), F.lit(0).cast("long")).alias("total_duration_seconds"),
            F.avg(completed).alias("avg_duration_seconds"),
            F.percentile(completed, 0.5).alias("p50_duration_seconds"),
            F.percentile(completed, 0.95).alias("p95_duration_seconds"),
        )
        .select(F.lit(day).alias("report_date"), "*")
    )


def api_performance_daily(fact_api_requests: DataFrame, day: _dt.date) -> DataFrame:
    """rpt_api_performance_daily: per endpoint and method across tenants; error rate counts 5xx only."""
    status = F.col("status_code")
    ms = F.col("duration_ms")
    return (
        fact_api_requests.groupBy("endpoint", "method")
        .agg(
            F.count(F.lit(1)).alias("requests"),
            F.count(F.when(status >= 500, F.lit(1))).alias("server_errors"),
            F.count(F.when(status.between(400, 499), F.lit(1))).alias("client_errors"),
            F.avg(ms).alias("avg_ms"),
            F.percentile(ms, 0.5).alias("p50_ms"),
            F.percentile(ms, 0.95).alias("p95_ms"),
            F.percentile(ms, 0.99).alias("p99_ms"),
            F.max(ms).alias("max_ms"),
            F.countDistinct("tenant_id").alias("tenants"),
        )
        .select(
            F.lit(day).alias("report_date"),
            "endpoint",
            "method",
            "requests",
            "server_errors",
            "client_errors",
            F.when(F.col("requests") > 0, F.col("server_errors") / F.col("requests")).alias("error_rate"),
            "avg_ms",
            "p50_ms",
            "p95_ms",
            "p99_ms",
            "max_ms",
            "tenants",
        )
    )
