"""A small but complete raw zone for one day (every source table), shared by the schema and end-to-end tests.

Two tenants, eight users, two teams and a handful of events of each kind, including one row of each event table
stamped on the previous day (which the transform must ignore). The expected row counts are spelled out in
EXPECTED_COUNTS so the end-to-end test checks the summary line exactly.
"""

from __future__ import annotations

from typing import Any

from pyspark.sql import DataFrame, SparkSession

from jobs.tests.helpers import raw, utc

OLD = utc("2026-01-01 00:00")
YESTERDAY = utc("2026-11-26 23:59:59")

SAMPLE_ROWS: dict[str, list[tuple[Any, ...]]] = {
    "tenants": [
        (1, "Acme Labs", "growth", "in", "active", OLD),
        (2, "Nova Health", "free", "us", "trial", utc("2026-11-20 09:00")),
    ],
    "permissions": [
        (1, "jobs:read", "jobs", "read", "Read jobs"),
        (2, "jobs:write", "jobs", "write", "Write jobs"),
        (3, "reports:read", "reports", "read", "Read reports"),
    ],
    "roles": [
        (10, 1, "admin", "Everything", True, OLD),
        (11, 1, "recruiter", "Runs hiring", True, OLD),
        (12, 1, "auditor", "Custom role without permissions", False, OLD),
        (20, 2, "admin", "Everything", True, OLD),
    ],
    "role_permissions": [(10, 1), (10, 2), (10, 3), (11, 1), (20, 1)],
    "users": [
        (
            1,
            1,
            "asha@acme.test",
            "Asha Rao",
            "+91 1",
            "IN",
            "KA",
            "Bengaluru",
            "Asia/Kolkata",
            "CTO",
            "active",
            OLD,
            OLD,
            utc("09:00"),
            None,
        ),
        (
            2,
            1,
            "ben@acme.test",
            "Ben Li",
            None,
            "IN",
            "KA",
            "Bengaluru",
            "Asia/Kolkata",
            "Recruiter",
            "active",
            OLD,
            OLD,
            utc("2026-11-20 08:00"),
            None,
        ),
        (
            3,
            1,
            "cara@acme.test",
            "Cara Diaz",
            None,
            "IN",
            "MH",
            "Mumbai",
            "Asia/Kolkata",
            "Recruiter",
            "active",
            OLD,
            OLD,
            utc("2026-09-01 08:00"),
            None,
        ),
        (
            4,
            1,
            "dev@acme.test",
            "Dev Shah",
            None,
            "IN",
            None,
            None,
            "Asia/Kolkata",
            None,
            "invited",
            OLD,
            OLD,
            None,
            None,
        ),
        (
            5,
            1,
            "eve@acme.test",
            "Eve Park",
            None,
            "IN",
            "KA",
            "Bengaluru",
            "Asia/Kolkata",
            "Recruiter",
            "active",
            OLD,
            OLD,
            utc("10:00"),
            None,
        ),
        (
            6,
            1,
            "finn@acme.test",
            "Finn Roe",
            None,
            "US",
            "CA",
            "San Jose",
            "America/Los_Angeles",
            "Recruiter",
            "deleted",
            OLD,
            utc("2026-11-01 00:00"),
            None,
            utc("2026-11-01 00:00"),
        ),
        (
            7,
            1,
            "gus@acme.test",
            "Gus Paul",
            None,
            "US",
            "NY",
            "New York",
            "America/New_York",
            "Recruiter",
            "suspended",
            OLD,
            OLD,
            utc("2026-11-26 10:00"),
            None,
        ),
        (
            8,
            2,
            "hana@nova.test",
            "Hana Mori",
            None,
            "US",
            "NY",
            "New York",
            "America/New_York",
            "Founder",
            "active",
            utc("2026-11-20 09:00"),
            utc("2026-11-20 09:00"),
            utc("08:00"),
            None,
        ),
    ],  # fmt: skip
    "user_roles": [(1, 10, OLD), (2, 11, OLD), (3, 11, OLD), (5, 11, OLD), (7, 11, OLD), (8, 20, OLD)],
    "teams": [(100, 1, "Engineering Hiring", OLD), (200, 2, "Sales Hiring", utc("2026-11-21 00:00"))],
    "team_members": [
        (100, 1, "lead", OLD),
        (100, 2, "member", OLD),
        (100, 3, "member", OLD),
        (100, 6, "member", OLD),
        (200, 8, "lead", utc("2026-11-21 00:00")),
    ],
    "legal_holds": [(3, 1, "internal audit", OLD)],
    "sessions": [
        (1000, 1, 1, utc("09:00"), utc("09:30"), "49.1.1.1", "Mozilla/5.0 (Windows NT 10.0)", "desktop"),
        (1001, 5, 1, utc("10:00"), None, "49.1.1.5", "Hire10x/4.2.1 (Android 14)", "mobile"),
        (1002, 8, 2, utc("08:00"), utc("08:10:30"), "24.2.2.8", None, None),
        (999, 1, 1, YESTERDAY, utc("00:20"), "49.1.1.1", "Mozilla/5.0 (Windows NT 10.0)", "desktop"),
    ],
    "auth_events": [
        (1, 1, 1, "asha@acme.test", "login_success", "49.1.1.1", "Mozilla/5.0", None, utc("09:00")),
        (2, 1, 5, "eve@acme.test", "login_failure", "49.1.1.5", "Hire10x", "invalid_password", utc("09:58")),
        (3, 1, 5, "eve@acme.test", "login_success", "49.1.1.5", "Hire10x", None, utc("10:00")),
        (4, 1, None, "nobody@gmail.com", "login_failure", "45.0.0.9", "curl/8.4.0", "unknown_user", utc("11:00")),
        (5, 2, 8, "hana@nova.test", "mfa_challenge", "24.2.2.8", "Mozilla/5.0", None, utc("08:00")),
        (6, 2, 8, "hana@nova.test", "login_success", "24.2.2.8", "Mozilla/5.0", None, utc("08:00:05")),
        (0, 1, 1, "asha@acme.test", "logout", "49.1.1.1", "Mozilla/5.0", None, YESTERDAY),
    ],
    "activity_events": [
        (1, 1, 1, 1000, "job_posting", "create", '{"entity_id":123456,"client":"desktop"}', utc("09:05")),
        (2, 1, 1, 1000, "messaging", "send_email", '{"recipients":2,"recipient_email":"x@y.test"}', utc("09:10")),
        (3, 1, 5, 1001, "candidate_search", "search", '{"results":20,"filters":1}', utc("10:05")),
        (4, 2, 8, None, "reports", "export_csv", '{"rows":150}', utc("08:05")),
        (0, 1, 1, 999, "settings", "view", "{}", YESTERDAY),
    ],
    "api_requests": [
        (1, 1, 1, "/api/v1/jobs", "GET", 200, 40, utc("09:01")),
        (2, 1, None, "/api/v1/jobs", "GET", 503, 900, utc("09:02")),
        (3, 2, 8, "/api/v1/jobs", "GET", 404, 20, utc("08:01")),
        (4, 1, 5, "/api/v1/candidates", "POST", 201, 110, utc("10:06")),
        (0, 1, 1, "/api/v1/me", "GET", 200, 15, YESTERDAY),
    ],
    "collaboration_events": [
        (1, 1, 100, 1, 2, "assigned", utc("09:15")),
        (2, 1, 100, 2, None, "commented", utc("09:20")),
        (0, 1, 100, 1, 3, "shared", YESTERDAY),
    ],
    "permission_checks": [
        (1, 1, 1, "jobs", "write", True, utc("09:03")),
        (2, 1, 5, "reports", "read", False, utc("10:07")),
        (0, 1, 5, "jobs", "read", True, YESTERDAY),
    ],
}

EXPECTED_COUNTS: dict[str, int] = {
    "fact_user_activities": 4,
    "fact_session_metrics": 3,
    "fact_auth_events": 6,
    "fact_team_collaborations": 2,
    "fact_api_requests": 4,
    "fact_permission_checks": 2,
    "dim_users": 8,
    "dim_tenants": 2,
    "dim_teams": 2,
    "dim_roles": 4,
    "dim_user_roles": 6,
    "dim_team_members": 5,
    "dim_timeperiod": 365,
    "security_incidents": 0,
    # tenant 1: desktop, mobile; tenant 2: unknown
    "rpt_session_duration_daily": 3,
    # tenant 1: invalid_password, unknown_user
    "rpt_login_failures_daily": 2,
    "rpt_security_daily": 2,
    # GET /api/v1/jobs, POST /api/v1/candidates
    "rpt_api_performance_daily": 2,
    # tenant 1 (6 existing users): country IN + (other), timezone Asia/Kolkata + (other), one (other) row for
    # each of region, job_title, status and role; tenant 2 (1 user): one (other) row per attribute
    "rpt_user_distribution_daily": 14,
    # team 100: admin (user 1), recruiter (users 2, 3; user 6 is deleted); team 200: admin (user 8)
    "rpt_team_composition_daily": 3,
}


def sample_raw(spark: SparkSession) -> dict[str, DataFrame]:
    """Every raw table of the sample day as DataFrames with the raw contract schema."""
    return {table: raw(spark, table, rows) for table, rows in SAMPLE_ROWS.items()}
