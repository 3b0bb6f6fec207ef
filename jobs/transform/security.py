"""Security detections over the day's fact_auth_events, and the two security reporting tables.

Detectors (thresholds are the named constants below):

* brute force: many `login_failure` events against ONE account from ONE source IP. The account is the resolved
  user_id, or the normalised attempted_email for accounts that do not exist. Fires when at least
  BRUTE_FORCE_MIN_FAILURES failures fall within any BRUTE_FORCE_WINDOW_SECONDS (sliding, both ends inclusive).
* credential stuffing: ONE source IP failing against MANY accounts. Fires when at least
  CREDENTIAL_STUFFING_MIN_ACCOUNTS distinct accounts (user ids or attempted emails, mostly unknown users) fail from
  the IP within any CREDENTIAL_STUFFING_WINDOW_SECONDS. Failures without an IP cannot be attributed and are ignored.

One incident per burst: a subject's failures no more than the detector window apart form one burst, and a burst in
which the threshold was reached anywhere is one incident spanning its first to last failure, so a long attack is
one row, not one per window. Ids hash detector, tenant, window start and the burst's first event id: stable across
re-runs, and free of personal data (no email or IP inside a hash that would outlive erasure). Detection is per
logical day, so an attack crossing midnight is reported once per day. `detected_at` is the end of the logical day
(the earliest instant the day's detection can run), keeping re-runs byte-identical.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable

from pyspark.sql import Column, DataFrame, Window, WindowSpec
from pyspark.sql import functions as F

from jobs.transform.common import MICROS_PER_SECOND, day_end, micros, norm_email, ts_lit, union_all

LOGIN_FAILURE = "login_failure"
BRUTE_FORCE = "brute_force"
CREDENTIAL_STUFFING = "credential_stuffing"
#: rpt_login_failures_daily.failure_reason for a failure without one (the source forbids it; kept for safety).
UNKNOWN_REASON = "unknown"

#: Ten failures in ten minutes from one address against one account: where the application locks the account, far
#: above a person mistyping a password, far below a scripted attack (hundreds of attempts).
BRUTE_FORCE_WINDOW_SECONDS = 600
BRUTE_FORCE_MIN_FAILURES = 10
#: Ten distinct accounts failing from one address in ten minutes: an office behind one NAT address does not do that.
CREDENTIAL_STUFFING_WINDOW_SECONDS = 600
CREDENTIAL_STUFFING_MIN_ACCOUNTS = 10

#: Severity by size: failed attempts for brute force, distinct accounts for credential stuffing.
SEVERITY_MEDIUM_AT = 30
SEVERITY_HIGH_AT = 100
#: Event ids kept in `details` so an analyst can open the raw events (ids only: never personal data).
SAMPLE_EVENT_IDS = 5


def _failures(fact_auth_events: DataFrame) -> DataFrame:
    account = F.coalesce(
        F.concat(F.lit("user:"), F.col("user_id")), F.concat(F.lit("email:"), norm_email("attempted_email"))
    )
    return fact_auth_events.where(F.col("event_type") == LOGIN_FAILURE).select(
        "event_id",
        "tenant_id",
        "user_id",
        norm_email("attempted_email").alias("email"),
        "ip",
        "occurred_at",
        account.alias("account"),
        micros("occurred_at").alias("ts"),
    )


def _bursts(
    failures: DataFrame, key: list[str], window_seconds: int, trailing: Callable[[WindowSpec], Column]
) -> DataFrame:
    """Failures grouped per subject `key` into bursts, each with the peak of `trailing(frame)` over any window."""
    window_us = window_seconds * MICROS_PER_SECOND
    ordered = Window.partitionBy(*key).orderBy("ts", "event_id")
    frame = Window.partitionBy(*key).orderBy("ts").rangeBetween(-window_us, 0)
    gap = F.col("ts") - F.lag("ts").over(ordered)
    starts_burst = F.when(gap.isNull() | (gap > window_us), 1).otherwise(0)
    return (
        failures.withColumn("trailing", trailing(frame))
        .withColumn("starts_burst", starts_burst)
        .withColumn("burst", F.sum("starts_burst").over(ordered.rowsBetween(Window.unboundedPreceding, 0)))
        .groupBy(*key, "burst")
        .agg(
            F.min("occurred_at").alias("window_start"),
            F.max("occurred_at").alias("window_end"),
            F.count(F.lit(1)).alias("failed_attempts"),
            F.countDistinct("account").alias("distinct_accounts"),
            F.countDistinct("ip").alias("distinct_ips"),
            F.max("trailing").alias("peak"),
            F.max("user_id").alias("burst_user_id"),
            F.max("email").alias("burst_email"),
            F.slice(F.array_sort(F.collect_list(F.struct("ts", "event_id"))), 1, SAMPLE_EVENT_IDS).alias("sample"),
        )
    )


def _severity(size: Column) -> Column:
    return (
        F.when(size >= SEVERITY_HIGH_AT, F.lit("high"))
        .when(size >= SEVERITY_MEDIUM_AT, F.lit("medium"))
        .otherwise(F.lit("low"))
    )


def _incidents(bursts: DataFrame, detector: str, threshold_name: str, threshold: int, window_seconds: int,
               size: str, user_id: Column, email: Column, day: _dt.date) -> DataFrame:  # fmt: skip
    sample_ids = F.transform(F.col("sample"), lambda s: s["event_id"])
    first_event_id = F.col("sample")[0]["event_id"]
    incident_id = F.sha2(
        F.concat_ws("|", F.lit(detector), F.col("tenant_id"), micros("window_start").cast("string"), first_event_id),
        256,
    )
    details = F.to_json(
        F.struct(
            F.lit(window_seconds).alias("window_seconds"),
            F.lit(threshold).alias(threshold_name),
            F.col("peak").alias("peak_in_window"),
            sample_ids.alias("sample_event_ids"),
        )
    )
    return bursts.where(F.col("peak") >= threshold).select(
        incident_id.alias("incident_id"),
        F.lit(day).alias("event_date"),
        "tenant_id",
        F.lit(detector).alias("detector"),
        _severity(F.col(size)).alias("severity"),
        "window_start",
        "window_end",
        user_id.alias("user_id"),
        email.alias("attempted_email"),
        "ip",
        "failed_attempts",
        "distinct_accounts",
        "distinct_ips",
        details.alias("details"),
        ts_lit(day_end(day)).alias("detected_at"),
    )


def detect_incidents(fact_auth_events: DataFrame, day: _dt.date) -> DataFrame:
    """security_incidents of the day: brute-force and credential-stuffing bursts (see the module docstring)."""
    failures = _failures(fact_auth_events)
    brute = _incidents(
        _bursts(
            failures.where(F.col("account").isNotNull()),
            ["tenant_id", "account", "ip"],
            BRUTE_FORCE_WINDOW_SECONDS,
            lambda frame: F.count(F.lit(1)).over(frame),
        ),
        BRUTE_FORCE,
        "min_failures",
        BRUTE_FORCE_MIN_FAILURES,
        BRUTE_FORCE_WINDOW_SECONDS,
        "failed_attempts",
        F.col("burst_user_id"),
        # The typed email only identifies the target when there is no user; never copy it for known accounts.
        F.when(F.col("burst_user_id").isNull(), F.col("burst_email")),
        day,
    )
    stuffing = _incidents(
        _bursts(
            failures.where(F.col("ip").isNotNull()),
            ["tenant_id", "ip"],
            CREDENTIAL_STUFFING_WINDOW_SECONDS,
            lambda frame: F.size(F.collect_set("account").over(frame)),
        ),
        CREDENTIAL_STUFFING,
        "min_distinct_accounts",
        CREDENTIAL_STUFFING_MIN_ACCOUNTS,
        CREDENTIAL_STUFFING_WINDOW_SECONDS,
        "distinct_accounts",
        F.lit(None).cast("string"),
        F.lit(None).cast("string"),
        day,
    )
    return union_all([brute, stuffing])


def security_daily(fact_auth_events: DataFrame, incidents: DataFrame, day: _dt.date) -> DataFrame:
    """rpt_security_daily: one row per tenant with authentication events on the day."""
    event = F.col("event_type")
    failed = event == LOGIN_FAILURE

    def count_if(condition: Column) -> Column:
        return F.count(F.when(condition, F.lit(1)))

    auth = fact_auth_events.groupBy("tenant_id").agg(
        count_if(event.isin("login_success", LOGIN_FAILURE)).alias("login_attempts"),
        count_if(failed).alias("login_failures"),
        F.countDistinct(F.when(failed, F.col("user_id"))).alias("distinct_failed_users"),
        F.countDistinct(F.when(failed, F.col("ip"))).alias("distinct_failed_ips"),
        count_if(event == "mfa_challenge").alias("mfa_challenges"),
        count_if(event == "password_reset").alias("password_resets"),
    )
    per_tenant = incidents.groupBy("tenant_id").agg(
        count_if(F.col("detector") == BRUTE_FORCE).alias("brute_force_incidents"),
        count_if(F.col("detector") == CREDENTIAL_STUFFING).alias("credential_stuffing_incidents"),
    )
    zero = F.lit(0).cast("long")
    return auth.join(per_tenant, "tenant_id", "left").select(
        F.lit(day).alias("report_date"),
        "tenant_id",
        "login_attempts",
        "login_failures",
        F.when(F.col("login_attempts") > 0, F.col("login_failures") / F.col("login_attempts")).alias("failure_rate"),
        "distinct_failed_users",
        "distinct_failed_ips",
        "mfa_challenges",
        "password_resets",
        F.coalesce(F.col("brute_force_incidents"), zero).alias("brute_force_incidents"),
        F.coalesce(F.col("credential_stuffing_incidents"), zero).alias("credential_stuffing_incidents"),
    )


def login_failures_daily(fact_auth_events: DataFrame, day: _dt.date) -> DataFrame:
    """rpt_login_failures_daily: failures per tenant and reason; emails are counted normalised (lower, trimmed)."""
    return (
        fact_auth_events.where(F.col("event_type") == LOGIN_FAILURE)
        .groupBy("tenant_id", F.coalesce(F.col("failure_reason"), F.lit(UNKNOWN_REASON)).alias("failure_reason"))
        .agg(
            F.count(F.lit(1)).alias("failures"),
            F.countDistinct("ip").alias("distinct_ips"),
            F.countDistinct(norm_email("attempted_email")).alias("distinct_attempted_emails"),
        )
        .select(F.lit(day).alias("report_date"), "*")
    )
