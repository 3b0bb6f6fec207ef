"""Batch demographics from the day's dimension snapshots: user distribution and team composition per tenant.

"At the end of the day" means: created before the day's end and not soft-deleted by then (a user deleted after
midnight, before the extract ran, still counts). Reporting tables hold counts only, never a user id, and
rpt_user_distribution_daily folds values held by fewer than MIN_GROUP_USERS users into '(other)'.
"""

from __future__ import annotations

import datetime as _dt

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from jobs.transform.common import day_end, ts_lit

MIN_GROUP_USERS = 5
OTHER = "(other)"
UNKNOWN = "(unknown)"
NO_ROLE = "(none)"
DISTRIBUTION_ATTRIBUTES = ("country", "region", "timezone", "job_title", "status", "role")
#: rpt_team_composition_daily.active_members_30d: a member is active when the day's users snapshot shows a
#: successful login within the 30 days ending on the report date (see `team_composition_daily`).
ACTIVE_DAYS = 30


def existing_users(dim_users: DataFrame, day: _dt.date) -> DataFrame:
    """Users that exist at the end of `day`."""
    end = ts_lit(day_end(day))
    return dim_users.where((F.col("created_at") < end) & (F.col("deleted_at").isNull() | (F.col("deleted_at") >= end)))


def _held_by_end(column: str, day: _dt.date) -> Column:
    return F.col(column).isNull() | (F.col(column) < ts_lit(day_end(day)))


def _user_role_names(dim_user_roles: DataFrame, dim_roles: DataFrame, day: _dt.date) -> DataFrame:
    return dim_user_roles.where(_held_by_end("assigned_at", day)).join(
        dim_roles.select("role_id", "role_name"), "role_id", "inner"
    )


def user_distribution_daily(
    dim_users: DataFrame, dim_user_roles: DataFrame, dim_roles: DataFrame, day: _dt.date
) -> DataFrame:
    """rpt_user_distribution_daily: users per tenant and attribute value, small groups folded into '(other)'.

    For `role` a user holding several roles counts once per role, and a user without one counts as '(unknown)';
    for every other attribute each tenant's rows add up to its user count. Every value, '(unknown)' included, is
    folded when fewer than MIN_GROUP_USERS users hold it; the '(other)' row counts distinct users.
    """
    users = existing_users(dim_users, day)
    value_columns = [
        F.struct(F.lit(a).alias("attribute"), F.coalesce(F.col(a), F.lit(UNKNOWN)).alias("attribute_value"))
        for a in DISTRIBUTION_ATTRIBUTES
        if a != "role"
    ]
    plain = users.select("tenant_id", "user_id", F.explode(F.array(*value_columns)).alias("v")).select(
        "tenant_id", "user_id", "v.attribute", "v.attribute_value"
    )
    role_names = _user_role_names(dim_user_roles, dim_roles, day).select("user_id", "role_name")
    role = (
        users.select("tenant_id", "user_id")
        .join(role_names, "user_id", "left")
        .select(
            "tenant_id",
            "user_id",
            F.lit("role").alias("attribute"),
            F.coalesce(F.col("role_name"), F.lit(UNKNOWN)).alias("attribute_value"),
        )
    )
    pairs = plain.unionByName(role).distinct()
    sizes = pairs.groupBy("tenant_id", "attribute", "attribute_value").agg(F.count(F.lit(1)).alias("holders"))
    folded = F.when(F.col("holders") < MIN_GROUP_USERS, F.lit(OTHER)).otherwise(F.col("attribute_value"))
    return (
        pairs.join(sizes, ["tenant_id", "attribute", "attribute_value"])
        .groupBy("tenant_id", "attribute", folded.alias("attribute_value"))
        .agg(F.countDistinct("user_id").alias("users"))
        .select(F.lit(day).alias("report_date"), "tenant_id", "attribute", "attribute_value", "users")
    )


def team_composition_daily(
    dim_teams: DataFrame,
    dim_team_members: DataFrame,
    dim_users: DataFrame,
    dim_user_roles: DataFrame,
    dim_roles: DataFrame,
    day: _dt.date,
) -> DataFrame:
    """rpt_team_composition_daily: members of each team per (user) role, and how many of them are active.

    Members are existing users who joined before the day's end; a member holding several roles counts once per
    role, one without any under role '(none)'. active_members_30d counts members whose users.last_login_at is at
    or after the start of the 30-day window ending on the report date. That is the activity signal available in
    the day's data alone (trailing activity facts are not); a login after midnight but before the extract still
    counts, since the member was active recently.
    """
    window_start = ts_lit(day_end(day) - _dt.timedelta(days=ACTIVE_DAYS))
    teams = dim_teams.where(_held_by_end("created_at", day)).select("team_id", "tenant_id", "team_name")
    members = dim_team_members.where(_held_by_end("joined_at", day)).select("team_id", "user_id")
    users = existing_users(dim_users, day).select("user_id", (F.col("last_login_at") >= window_start).alias("active"))
    roles = _user_role_names(dim_user_roles, dim_roles, day).select("user_id", "role_id", "role_name")
    return (
        members.join(teams, "team_id", "inner")
        .join(users, "user_id", "inner")
        .join(roles, "user_id", "left")
        .groupBy(
            "tenant_id",
            "team_id",
            "team_name",
            F.coalesce(F.col("role_id"), F.lit(NO_ROLE)).alias("role_id"),
            F.coalesce(F.col("role_name"), F.lit(NO_ROLE)).alias("role_name"),
        )
        .agg(
            F.countDistinct("user_id").alias("members"),
            F.countDistinct(F.when(F.col("active"), F.col("user_id"))).alias("active_members_30d"),
        )
        .select(F.lit(day).alias("report_date"), "*")
    )
