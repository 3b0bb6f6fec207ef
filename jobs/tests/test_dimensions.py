"""Dimension snapshots and the generated calendar."""

from __future__ import annotations

import datetime as _dt

from pyspark.sql import SparkSession

from jobs.tests.helpers import DAY, assert_rows, conformed, raw, utc, wall
from jobs.transform import dimensions

OLD = utc("2025-01-01 00:00")


def test_users_tenants_and_teams_are_the_source_rows(spark: SparkSession) -> None:
    users = raw(
        spark,
        "users",
        [(1, 1, "a@x.test", "Ann Lee", "+1 555", "US", "CA", "San Jose", "America/Los_Angeles", "CTO", "active",
          OLD, utc("09:00"), utc("10:00"), None)],
    )  # fmt: skip
    assert_rows(
        conformed(dimensions.users(users), "dim_users"),
        [("1", "1", "a@x.test", "Ann Lee", "+1 555", "US", "CA", "San Jose", "America/Los_Angeles", "CTO", "active",
          wall("2025-01-01 00:00"), wall("09:00"), wall("10:00"), None)],
    )  # fmt: skip
    tenants = raw(spark, "tenants", [(1, "Acme", "growth", "in", "active", OLD)])
    assert_rows(
        conformed(dimensions.tenants(tenants), "dim_tenants"),
        [("1", "Acme", "growth", "in", "active", wall("2025-01-01 00:00"))],
    )
    teams = raw(spark, "teams", [(100, 1, "Engineering Hiring", OLD)])
    assert_rows(
        conformed(dimensions.teams(teams), "dim_teams"), [("100", "1", "Engineering Hiring", wall("2025-01-01 00:00"))]
    )


def test_roles_count_permissions_and_bridges_carry_the_tenant(spark: SparkSession) -> None:
    roles = raw(
        spark,
        "roles",
        [
            (10, 1, "admin", "All", True, OLD),
            (11, 1, "auditor", "Custom", False, OLD),
            (20, 2, "admin", "All", True, OLD),
        ],
    )
    role_permissions = raw(spark, "role_permissions", [(10, 1), (10, 2), (10, 3), (20, 1)])
    old = wall("2025-01-01 00:00")
    assert_rows(
        conformed(dimensions.roles(roles, role_permissions), "dim_roles"),
        [
            ("10", "1", "admin", "All", True, 3, old),
            ("11", "1", "auditor", "Custom", False, 0, old),
            ("20", "2", "admin", "All", True, 1, old),
        ],
    )
    users = raw(spark, "users", [(1, 1, "a", "A", None, "IN", None, None, "UTC", None, "active", OLD, OLD, None, None)])
    # User 2 is missing from the users snapshot (snapshots are separate queries): the role's tenant is used.
    user_roles = raw(spark, "user_roles", [(1, 10, OLD), (2, 20, OLD)])
    assert_rows(
        conformed(dimensions.user_roles(user_roles, users, roles), "dim_user_roles"),
        [("1", "10", "1", old), ("2", "20", "2", old)],
    )
    teams = raw(spark, "teams", [(100, 1, "Eng", OLD)])
    members = raw(spark, "team_members", [(100, 1, "lead", OLD), (100, 2, "member", OLD)])
    assert_rows(
        conformed(dimensions.team_members(members, teams), "dim_team_members"),
        [("100", "1", "1", "lead", old), ("100", "2", "1", "member", old)],
    )


def test_calendar_row_iso_fields() -> None:
    assert dimensions.calendar_row(DAY) == (
        DAY, 2026, 4, 11, "November", 27, 5, "Friday", 2026, 48, _dt.date(2026, 11, 23), _dt.date(2026, 11, 1), False
    )  # fmt: skip
    # 2021-01-01 is a Friday in ISO week 53 of 2020.
    assert dimensions.calendar_row(_dt.date(2021, 1, 1)) == (
        _dt.date(2021, 1, 1), 2021, 1, 1, "January", 1, 5, "Friday", 2020, 53, _dt.date(2020, 12, 28),
        _dt.date(2021, 1, 1), False,
    )  # fmt: skip
    assert dimensions.calendar_row(_dt.date(2026, 11, 29))[6:8] == (7, "Sunday")
    assert dimensions.calendar_row(_dt.date(2026, 11, 29))[-1] is True


def test_timeperiod_covers_the_year_of_the_logical_date(spark: SparkSession) -> None:
    out = conformed(dimensions.timeperiod(spark, DAY), "dim_timeperiod")
    got = out.collect()
    assert len(got) == 365
    assert min(r.calendar_date for r in got) == _dt.date(2026, 1, 1)
    assert max(r.calendar_date for r in got) == _dt.date(2026, 12, 31)
    assert tuple(next(r for r in got if r.calendar_date == DAY)) == dimensions.calendar_row(DAY)
    assert dimensions.timeperiod(spark, _dt.date(2024, 2, 29)).count() == 366
