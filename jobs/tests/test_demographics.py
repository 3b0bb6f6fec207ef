"""Batch demographics: user distribution (with small-group folding) and team composition, from dimension rows."""

from __future__ import annotations

import datetime as _dt
from typing import Any

import pytest
from pyspark.sql import DataFrame, SparkSession

from jobs.tests.helpers import DAY, assert_rows, conformed, raw, utc
from jobs.transform import demographics, dimensions

OLD = utc("2025-01-01 00:00")
AFTER_DAY = utc("2026-11-28 06:00")


def user(user_id: int, tenant: int, country: str | None, region: str | None, tz: str | None, job: str | None,
         status: str = "active", created: _dt.datetime = OLD, last_login: _dt.datetime | None = None,
         deleted: _dt.datetime | None = None) -> tuple[Any, ...]:  # fmt: skip
    return (user_id, tenant, f"u{user_id}@x.test", f"User {user_id}", None, country, region, None, tz, job, status,
            created, created, last_login, deleted)  # fmt: skip


IN = ("IN", "KA", "Asia/Kolkata", "Recruiter")
USERS = [
    *[user(i, 1, *IN) for i in range(1, 6)],
    user(6, 1, "IN", None, "Asia/Kolkata", None),
    user(7, 1, "US", "NY", "America/New_York", "CTO", "suspended"),
    user(8, 1, *IN, created=AFTER_DAY),  # did not exist yet at the end of the day
    user(9, 1, *IN, "deleted", deleted=utc("12:00")),  # deleted during the day
    user(10, 1, *IN, "deleted", deleted=AFTER_DAY),  # deleted after the day: still existed at its end
    *[user(i, 2, "GB", None, "Europe/London", None) for i in range(20, 25)],
]
ROLES = [
    (10, 1, "admin", "All", True, OLD),
    (11, 1, "recruiter", "Hiring", True, OLD),
    (20, 2, "admin", "All", True, OLD),
]
USER_ROLES = [
    *[(i, 11, OLD) for i in (1, 2, 3, 4, 5, 6, 10)],
    (6, 10, OLD),  # two roles
    (7, 10, AFTER_DAY),  # granted after the day: user 7 has no role at its end
]


@pytest.fixture(scope="module")
def dims(spark: SparkSession) -> dict[str, DataFrame]:
    raw_users = raw(spark, "users", USERS)
    raw_roles = raw(spark, "roles", ROLES)
    return {
        "users": conformed(dimensions.users(raw_users), "dim_users"),
        "roles": conformed(dimensions.roles(raw_roles, raw(spark, "role_permissions", [])), "dim_roles"),
        "user_roles": conformed(
            dimensions.user_roles(raw(spark, "user_roles", USER_ROLES), raw_users, raw_roles), "dim_user_roles"
        ),
    }


def test_user_distribution_folds_groups_below_five(dims: dict[str, DataFrame]) -> None:
    out = demographics.user_distribution_daily(dims["users"], dims["user_roles"], dims["roles"], DAY)
    # Tenant 1 at the end of the day: users 1-7 and 10 (8 did not exist yet, 9 was deleted).
    assert_rows(
        conformed(out, "rpt_user_distribution_daily"),
        [
            (DAY, "1", "country", "IN", 7),
            (DAY, "1", "country", "(other)", 1),
            (DAY, "1", "region", "KA", 6),
            (DAY, "1", "region", "(other)", 2),  # NY and one (unknown): both below 5
            (DAY, "1", "timezone", "Asia/Kolkata", 7),
            (DAY, "1", "timezone", "(other)", 1),
            (DAY, "1", "job_title", "Recruiter", 6),
            (DAY, "1", "job_title", "(other)", 2),
            (DAY, "1", "status", "active", 6),
            (DAY, "1", "status", "(other)", 2),  # suspended 7, deleted-after-the-day 10
            (DAY, "1", "role", "recruiter", 7),
            (DAY, "1", "role", "(other)", 2),  # admin (user 6) and no role (user 7): distinct users
            # Tenant 2: five identical users; exactly five is not "fewer than 5", so nothing is folded.
            (DAY, "2", "country", "GB", 5),
            (DAY, "2", "region", "(unknown)", 5),
            (DAY, "2", "timezone", "Europe/London", 5),
            (DAY, "2", "job_title", "(unknown)", 5),
            (DAY, "2", "status", "active", 5),
            (DAY, "2", "role", "(unknown)", 5),
        ],
    )


def test_team_composition_per_role_with_recent_activity(spark: SparkSession) -> None:
    users = [
        user(1, 1, *IN, last_login=utc("09:00")),
        user(2, 1, *IN, last_login=utc("2026-10-29 00:00")),  # exactly 30 days before the day's end: active
        user(3, 1, *IN, last_login=utc("10:00")),
        user(6, 1, *IN, last_login=utc("2026-10-28 23:59:59")),  # one second too early
        user(7, 1, *IN),  # never logged in
        user(8, 1, *IN, created=AFTER_DAY, last_login=AFTER_DAY),
        user(9, 1, *IN, "deleted", last_login=utc("08:00"), deleted=utc("12:00")),
        user(20, 2, *IN, last_login=AFTER_DAY),  # logged in after midnight, before the extract: recent
        user(21, 2, *IN),
    ]
    teams = [
        (100, 1, "Engineering Hiring", OLD),
        (101, 1, "Late Team", AFTER_DAY),
        (200, 2, "Sales Hiring", OLD),
    ]
    members = [
        *[(100, u, "member", OLD) for u in (2, 6, 7, 8, 9)],
        (100, 1, "lead", OLD),
        (100, 3, "member", AFTER_DAY),  # joined after the day
        (101, 1, "lead", AFTER_DAY),
        (200, 20, "lead", OLD),
        (200, 21, "member", OLD),
    ]
    user_roles = [(1, 11, OLD), (2, 11, OLD), (6, 11, OLD), (6, 10, OLD)]
    raw_users, raw_teams, raw_roles = raw(spark, "users", users), raw(spark, "teams", teams), raw(spark, "roles", ROLES)
    out = demographics.team_composition_daily(
        conformed(dimensions.teams(raw_teams), "dim_teams"),
        conformed(dimensions.team_members(raw(spark, "team_members", members), raw_teams), "dim_team_members"),
        conformed(dimensions.users(raw_users), "dim_users"),
        conformed(dimensions.user_roles(raw(spark, "user_roles", user_roles), raw_users, raw_roles), "dim_user_roles"),
        conformed(dimensions.roles(raw_roles, raw(spark, "role_permissions", [])), "dim_roles"),
        DAY,
    )
    assert_rows(
        conformed(out, "rpt_team_composition_daily"),
        [
            (DAY, "1", "100", "Engineering Hiring", "11", "recruiter", 3, 2),  # users 1, 2, 6; active 1, 2
            (DAY, "1", "100", "Engineering Hiring", "10", "admin", 1, 0),  # user 6
            (DAY, "1", "100", "Engineering Hiring", "(none)", "(none)", 1, 0),  # user 7
            (DAY, "2", "200", "Sales Hiring", "(none)", "(none)", 2, 1),  # users 20 (active), 21
        ],
    )
