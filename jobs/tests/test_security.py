"""Brute-force and credential-stuffing detection around their thresholds, and the two security reports."""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
from typing import Any

from pyspark.sql import DataFrame, SparkSession

from jobs.tests.helpers import DAY, assert_rows, conformed, raw, utc, wall
from jobs.transform import facts, security

DETECTED_AT = wall("2026-11-28 00:00")


class Auth:
    """Builds raw auth_events rows with increasing ids."""

    def __init__(self, first_id: int = 1) -> None:
        self.next_id = first_id
        self.rows: list[tuple[Any, ...]] = []

    def add(self, at: _dt.datetime, event_type: str = "login_failure", *, tenant: int = 1, user: int | None = None,
            email: str | None = None, ip: str | None = "45.0.0.1", reason: str | None = None) -> int:  # fmt: skip
        if event_type == "login_failure" and reason is None:
            reason = "invalid_password" if user is not None else "unknown_user"
        self.rows.append((self.next_id, tenant, user, email, event_type, ip, "curl/8.4.0", reason, at))
        self.next_id += 1
        return self.next_id - 1

    def series(self, start: _dt.datetime, count: int, every_seconds: float, **kwargs: Any) -> list[int]:
        return [self.add(start + _dt.timedelta(seconds=i * every_seconds), **kwargs) for i in range(count)]

    def fact(self, spark: SparkSession) -> DataFrame:
        return conformed(facts.auth_events(raw(spark, "auth_events", self.rows), DAY), "fact_auth_events")


def incident_id(detector: str, tenant: str, window_start: _dt.datetime, first_event_id: int) -> str:
    micros = int(window_start.timestamp()) * 1_000_000
    return hashlib.sha256(f"{detector}|{tenant}|{micros}|{first_event_id}".encode()).hexdigest()


def details(threshold_name: str, threshold: int, peak: int, ids: list[int]) -> str:
    payload = {"window_seconds": 600, threshold_name: threshold, "peak_in_window": peak}
    payload["sample_event_ids"] = [str(i) for i in ids[:5]]  # type: ignore[assignment]
    return json.dumps(payload, separators=(",", ":"))


def detect(spark: SparkSession, auth: Auth) -> DataFrame:
    return conformed(security.detect_incidents(auth.fact(spark), DAY), "security_incidents")


def test_thresholds_are_the_documented_constants() -> None:
    assert (security.BRUTE_FORCE_MIN_FAILURES, security.BRUTE_FORCE_WINDOW_SECONDS) == (10, 600)
    assert (security.CREDENTIAL_STUFFING_MIN_ACCOUNTS, security.CREDENTIAL_STUFFING_WINDOW_SECONDS) == (10, 600)


def test_brute_force_at_the_threshold_is_one_incident(spark: SparkSession) -> None:
    auth = Auth(101)
    ids = auth.series(utc("10:00"), 10, 60, user=7, email="victim@acme.test")  # 10 failures in 9 minutes
    auth.add(utc("10:09:30"), "login_success", user=7, email="victim@acme.test")  # not a failure
    assert_rows(
        detect(spark, auth),
        [
            (incident_id("brute_force", "1", utc("10:00"), 101), DAY, "1", "brute_force", "low", wall("10:00"),
             wall("10:09"), "7", None, "45.0.0.1", 10, 1, 1, details("min_failures", 10, 10, ids), DETECTED_AT),
        ],
    )  # fmt: skip


def test_no_incident_just_below_the_thresholds(spark: SparkSession) -> None:
    auth = Auth()
    # 10 failures against user 1 whose span is 603 s: any 600 s window holds at most 9.
    auth.series(utc("01:00"), 10, 67, user=1)
    # 9 failures in a minute against user 2.
    auth.series(utc("02:00"), 9, 6, user=2)
    # 10 failures against user 3 within a minute, but from two addresses (5 + 5): brute force is per source IP.
    auth.series(utc("03:00"), 5, 6, user=3, ip="45.0.0.3")
    auth.series(utc("03:00:03"), 5, 6, user=3, ip="45.0.0.4")
    # 9 distinct unknown accounts from one address, each tried twice, within five minutes.
    for i in range(9):
        auth.series(utc("04:00") + _dt.timedelta(seconds=30 * i), 2, 1, email=f"leak{i}@gmail.com", ip="185.0.0.9")
    # 10 distinct accounts from one address, spread over 630 s.
    auth.series(utc("05:00"), 1, 0, email="a0@gmail.com", ip="185.0.0.10")
    for i in range(1, 10):
        auth.add(utc("05:00") + _dt.timedelta(seconds=70 * i), email=f"a{i}@gmail.com", ip="185.0.0.10")
    # 20 distinct accounts failing without any IP: nothing to attribute them to.
    for i in range(20):
        auth.add(utc("06:00") + _dt.timedelta(seconds=i), email=f"n{i}@gmail.com", ip=None)
    # Many successes are not failures.
    auth.series(utc("07:00"), 30, 1, event_type="login_success", user=4)
    assert detect(spark, auth).collect() == []


def test_unknown_account_bursts_merge_and_severity(spark: SparkSession) -> None:
    auth = Auth(1)
    # 30 failures (5 s apart) then, 455 s after the last, 20 more: one burst of 50 (medium), emails normalised.
    # Densest window: [12:00:00, 12:10:00] holds all 30 plus the first of the second series = 31.
    first = auth.series(utc("12:00"), 30, 5, email="Ghost@Gmail.com")
    auth.series(utc("12:10"), 20, 5, email=" ghost@gmail.com ")
    # Three hours later the same subject again: a separate incident.
    later = auth.series(utc("15:00"), 10, 1, email="ghost@gmail.com")
    assert_rows(
        detect(spark, auth),
        [
            (incident_id("brute_force", "1", utc("12:00"), first[0]), DAY, "1", "brute_force", "medium",
             wall("12:00"), wall("12:11:35"), None, "ghost@gmail.com", "45.0.0.1", 50, 1, 1,
             details("min_failures", 10, 31, first), DETECTED_AT),
            (incident_id("brute_force", "1", utc("15:00"), later[0]), DAY, "1", "brute_force", "low",
             wall("15:00"), wall("15:00:09"), None, "ghost@gmail.com", "45.0.0.1", 10, 1, 1,
             details("min_failures", 10, 10, later), DETECTED_AT),
        ],
    )  # fmt: skip


def test_credential_stuffing_counts_distinct_accounts_from_one_ip(spark: SparkSession) -> None:
    auth = Auth(500)
    ids = [auth.add(utc("20:00") + _dt.timedelta(seconds=20 * i), email=f"u{i}@yahoo.com", ip="185.1.1.1")
           for i in range(9)]  # fmt: skip
    ids.append(auth.add(utc("20:03"), user=42, email="known@acme.test", ip="185.1.1.1"))  # a known account too
    ids.append(auth.add(utc("20:04"), email="U0@yahoo.com", ip="185.1.1.1"))  # same account as u0: not new
    # The same address in another tenant is another tenant's (non-)incident.
    auth.series(utc("20:00"), 3, 1, tenant=2, email="x@yahoo.com", ip="185.1.1.1")
    assert_rows(
        detect(spark, auth),
        [
            (incident_id("credential_stuffing", "1", utc("20:00"), 500), DAY, "1", "credential_stuffing", "low",
             wall("20:00"), wall("20:04"), None, None, "185.1.1.1", 11, 10, 1,
             details("min_distinct_accounts", 10, 10, ids), DETECTED_AT),
        ],
    )  # fmt: skip


def test_security_and_login_failure_reports(spark: SparkSession) -> None:
    auth = Auth(1)
    auth.series(utc("09:00"), 10, 10, user=7, email="v@acme.test", ip="45.0.0.1")  # brute force on tenant 1
    auth.add(utc("09:30"), "login_success", user=7, ip="45.0.0.1")
    auth.add(utc("09:31"), "login_failure", user=8, email="w@acme.test", ip="49.0.0.8", reason="account_locked")
    auth.add(utc("09:32"), "login_failure", email="Nobody@x.test", ip="45.0.0.1")
    auth.add(utc("09:33"), "login_failure", email="nobody@x.test ", ip=None)
    auth.add(utc("09:40"), "mfa_challenge", user=7, ip="45.0.0.1")
    auth.add(utc("09:41"), "password_reset", user=7, ip="45.0.0.1")
    auth.add(utc("09:42"), "logout", user=7, ip="45.0.0.1")
    auth.add(utc("10:00"), "logout", tenant=2, user=20, ip="24.0.0.20")  # tenant 2: no attempts at all
    fact = auth.fact(spark)
    incidents = conformed(security.detect_incidents(fact, DAY), "security_incidents")
    assert_rows(
        conformed(security.security_daily(fact, incidents, DAY), "rpt_security_daily"),
        [
            # attempts 10 + 1 + 1 + 2 failures + 1 success; failed users 7, 8; failed IPs 45.0.0.1, 49.0.0.8
            (DAY, "1", 14, 13, 13 / 14, 2, 2, 1, 1, 1, 0),
            (DAY, "2", 0, 0, None, 0, 0, 0, 0, 0, 0),
        ],
    )
    assert_rows(
        conformed(security.login_failures_daily(fact, DAY), "rpt_login_failures_daily"),
        [
            (DAY, "1", "invalid_password", 10, 1, 1),
            (DAY, "1", "account_locked", 1, 1, 1),
            (DAY, "1", "unknown_user", 2, 1, 1),  # one address (the other is NULL), one normalised email
        ],
    )
