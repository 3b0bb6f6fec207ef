"""Fact derivations, row for row, on hand-written raw rows (conformed exactly as the job writes them)."""

from __future__ import annotations

from pyspark.sql import SparkSession

from jobs.tests.helpers import DAY, assert_rows, conformed, raw, utc, wall
from jobs.transform import facts


def test_user_activities_keep_the_day_and_drop_personal_metadata(spark: SparkSession) -> None:
    events = raw(
        spark,
        "activity_events",
        [
            (1, 7, 70, 500, "job_posting", "create", '{"entity_id":1,"client":"desktop"}', utc("00:00")),
            (2, 7, 70, None, "messaging", "send_email", '{"recipients":3,"recipient_email":"a@b.c"}', utc("23:59:59")),
            (3, 7, 70, 500, "settings", "view", "{}", utc("2026-11-28 00:00")),  # next day: not this partition
            (4, 7, 70, 500, "settings", "view", "{}", utc("2026-11-26 23:59:59")),  # previous day
        ],
    )
    out = conformed(facts.user_activities(events, DAY), "fact_user_activities")
    assert_rows(
        out,
        [
            ("1", DAY, "7", "70", "500", wall("00:00"), "job_posting", "create", '{"entity_id":1,"client":"desktop"}'),
            ("2", DAY, "7", "70", None, wall("23:59:59"), "messaging", "send_email", '{"recipients":3}'),
        ],
    )


def test_session_duration_device_and_activity_count(spark: SparkSession) -> None:
    sessions = raw(
        spark,
        "sessions",
        [
            (1, 10, 1, utc("10:00"), utc("10:30:15"), "1.1.1.1", "ua-1", "desktop"),
            # still open at extraction: no end, no duration
            (2, 20, 1, utc("23:00"), None, "2.2.2.2", "ua-2", "mobile"),
            # no device recorded, no activity; a sub-second end truncates to whole seconds
            (3, 30, 2, utc("12:00"), utc("12:00:59.999999"), None, None, None),
            # started the previous day: belongs to that day's partition
            (4, 10, 1, utc("2026-11-26 23:50"), utc("00:10"), "1.1.1.1", "ua-1", "desktop"),
        ],
    )
    activity = raw(
        spark,
        "activity_events",
        [
            (1, 1, 10, 1, "f", "a", "{}", utc("10:00")),
            (2, 1, 10, 1, "f", "a", "{}", utc("10:30:15")),
            (3, 1, 10, 1, "f", "a", "{}", utc("10:45")),  # carries session 1's id: counted by id, not by time
            (4, 1, 10, None, "f", "a", "{}", utc("10:10")),  # no session id: counted nowhere
            (5, 1, 20, 2, "f", "a", "{}", utc("23:30")),
            (6, 1, 10, 4, "f", "a", "{}", utc("00:05")),  # session 4 is not in this day's facts
        ],
    )
    out = conformed(facts.session_metrics(sessions, activity, DAY), "fact_session_metrics")
    assert_rows(
        out,
        [
            ("1", DAY, "1", "10", wall("10:00"), wall("10:30:15"), 1815, "desktop", 3, "1.1.1.1", "ua-1"),
            ("2", DAY, "1", "20", wall("23:00"), None, None, "mobile", 1, "2.2.2.2", "ua-2"),
            ("3", DAY, "2", "30", wall("12:00"), wall("12:00:59.999999"), 59, "unknown", 0, None, None),
        ],
    )


def test_auth_events_failure_reasons_and_unknown_users(spark: SparkSession) -> None:
    events = raw(
        spark,
        "auth_events",
        [
            (1, 1, 10, "a@acme.test", "login_success", "1.1.1.1", "ua", None, utc("08:00")),
            (2, 1, 10, "a@acme.test", "login_failure", "1.1.1.1", "ua", "invalid_password", utc("08:01")),
            (3, 1, None, "ghost@gmail.com", "login_failure", "45.1.1.1", "curl", "unknown_user", utc("08:02")),
            (4, 1, 10, None, "logout", "1.1.1.1", "ua", None, utc("09:00")),
            (5, 1, 10, None, "mfa_challenge", None, None, None, utc("09:01")),
            (6, 1, 10, "a@acme.test", "login_failure", "1.1.1.1", "ua", "account_locked", utc("09:03")),
            (7, 1, 10, None, "token_refresh", None, None, None, utc("2026-11-26 09:02")),
        ],
    )
    out = conformed(facts.auth_events(events, DAY), "fact_auth_events")
    assert_rows(
        out,
        [
            ("1", DAY, "1", "10", wall("08:00"), "login_success", None, "a@acme.test", "1.1.1.1", "ua"),
            ("2", DAY, "1", "10", wall("08:01"), "login_failure", "invalid_password", "a@acme.test", "1.1.1.1", "ua"),
            ("3", DAY, "1", None, wall("08:02"), "login_failure", "unknown_user", "ghost@gmail.com", "45.1.1.1",
             "curl"),
            ("4", DAY, "1", "10", wall("09:00"), "logout", None, None, "1.1.1.1", "ua"),
            ("5", DAY, "1", "10", wall("09:01"), "mfa_challenge", None, None, None, None),
            ("6", DAY, "1", "10", wall("09:03"), "login_failure", "account_locked", "a@acme.test", "1.1.1.1", "ua"),
        ],
    )  # fmt: skip


def test_team_collaborations_actor_and_optional_target(spark: SparkSession) -> None:
    events = raw(
        spark,
        "collaboration_events",
        [
            (1, 1, 100, 10, 11, "assigned", utc("09:00")),
            (2, 1, 100, 11, None, "commented", utc("09:05")),
            (3, 1, 100, 10, 11, "shared", utc("2026-11-28 00:00:01")),
        ],
    )
    out = conformed(facts.team_collaborations(events, DAY), "fact_team_collaborations")
    assert_rows(
        out,
        [
            ("1", DAY, "1", "100", "10", "11", wall("09:00"), "assigned"),
            ("2", DAY, "1", "100", "11", None, wall("09:05"), "commented"),
        ],
    )


def test_api_requests_types_and_server_error_flag(spark: SparkSession) -> None:
    requests = raw(
        spark,
        "api_requests",
        [
            (1, 1, 10, "/api/v1/jobs", "GET", 200, 45, utc("09:00")),
            (2, 1, None, "/api/v1/jobs", "GET", 499, 5, utc("09:01")),
            (3, 2, 20, "/api/v1/jobs", "GET", 500, 1200, utc("09:02")),
        ],
    )
    out = conformed(facts.api_requests(requests, DAY), "fact_api_requests")
    assert_rows(
        out,
        [
            ("1", DAY, "1", "10", wall("09:00"), "/api/v1/jobs", "GET", 200, 45, False),
            ("2", DAY, "1", None, wall("09:01"), "/api/v1/jobs", "GET", 499, 5, False),
            ("3", DAY, "2", "20", wall("09:02"), "/api/v1/jobs", "GET", 500, 1200, True),
        ],
    )


def test_permission_checks(spark: SparkSession) -> None:
    checks = raw(
        spark,
        "permission_checks",
        [(1, 1, 10, "jobs", "write", True, utc("09:00")), (2, 1, 11, "reports", "admin", False, utc("09:01"))],
    )
    out = conformed(facts.permission_checks(checks, DAY), "fact_permission_checks")
    assert_rows(
        out,
        [
            ("1", DAY, "1", "10", wall("09:00"), "jobs", "write", True),
            ("2", DAY, "1", "11", wall("09:01"), "reports", "admin", False),
        ],
    )
