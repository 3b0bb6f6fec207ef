"""The LookML checker passes on dashboards/looker and fails, naming the problem, on each kind of break.

Every break copies the project to a temporary directory, applies one edit (asserting the text it edits is there, so a
break that no longer applies fails loudly instead of testing nothing) and runs the checker against the committed
generated schema.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dashboards.lookml_check import Problem, check_project, load_project, load_warehouse
from dashboards.lookml_check.schema import Warehouse

ROOT = Path(__file__).resolve().parents[3]
PROJECT = ROOT / "dashboards" / "looker"
TABLES = ROOT / "infra" / "terraform" / "bigquery" / "tables"
SPARK_SCHEMAS = ROOT / "jobs" / "schemas"

# Removed with the newline before them (the text that follows, a comment or a brace, keeps its own line).
ENGAGEMENT_TENANT_JOIN = """
  join: dim_tenants {
    type: left_outer
    relationship: many_to_one
    sql_on: ${rpt_engagement_daily.tenant_id} = ${dim_tenants.tenant_id} ;;
  }"""
ADOPTION_USERS_JOIN = (
    "\n  join: rpt_engagement_daily {\n"
    "    type: left_outer\n"
    "    relationship: many_to_one\n"
    "    sql_on: ${rpt_feature_adoption_daily.tenant_id} = ${rpt_engagement_daily.tenant_id}\n"
    "      AND ${rpt_feature_adoption_daily.report_raw} = ${rpt_engagement_daily.report_raw}\n"
    "      AND {% condition rpt_feature_adoption_daily.report_date %} ${rpt_engagement_daily.report_raw} "
    "{% endcondition %} ;;\n"
    "  }"
)
DIM_USERS_VIEW = """
view: dim_users {
  sql_table_name: @{dataset}.dim_users ;;
  dimension: country { type: string sql: ${TABLE}.country ;; }
  dimension: email { type: string sql: ${TABLE}.email ;; }
}
"""
TEAM_MEMBERS_VIEW = """
view: dim_team_members {
  sql_table_name: @{dataset}.dim_team_members ;;
  dimension: member_role { type: string sql: ${TABLE}.member_role ;; }
  measure: members { type: count_distinct sql: ${TABLE}.user_id ;; }
}
"""
INCIDENT_IPS_VIEW = """
view: security_incidents {
  sql_table_name: @{dataset}.security_incidents ;;
  dimension: detector { type: string sql: ${TABLE}.detector ;; }
  dimension: source_ip { type: string sql: ${TABLE}.ip ;; }
}
"""


@pytest.fixture(scope="module")
def warehouse() -> Warehouse:
    return load_warehouse(TABLES, SPARK_SCHEMAS)


def problems_of(project_dir: Path, warehouse: Warehouse) -> list[Problem]:
    return check_project(load_project(project_dir), warehouse).problems


def broken_copy(tmp_path: Path, edits: list[tuple[str, str, str]]) -> Path:
    """The project with each (file, old, new) edit applied once; `old` must occur in the file."""
    target = tmp_path / "looker"
    shutil.copytree(PROJECT, target)
    for file, old, new in edits:
        path = target / file
        text = path.read_text() if path.exists() else ""
        if old:
            assert old in text, f"the break no longer applies: {old!r} is not in {file}"
            text = text.replace(old, new, 1)
        else:
            text += new
        path.write_text(text)
    return target


def test_the_project_passes(warehouse: Warehouse) -> None:
    report = check_project(load_project(PROJECT), warehouse)
    assert report.problems == [], "\n".join(map(str, report.problems))
    assert report.summary.startswith("LookML OK:")
    assert "4 dashboards" in report.summary


def test_a_project_qualified_dataset_passes(tmp_path: Path, warehouse: Warehouse) -> None:
    fixed = broken_copy(
        tmp_path, [("manifest.lkml", 'value: "user_analytics"', 'value: "`data-project`.user_analytics"')]
    )
    assert problems_of(fixed, warehouse) == []


BREAKS = [
    # A column renamed in a view's sql.
    pytest.param(
        [("views/rpt_engagement_daily.view.lkml", "sql: ${TABLE}.dau ;;", "sql: ${TABLE}.daily_active_users ;;")],
        "views/rpt_engagement_daily.view.lkml",
        "${TABLE}.daily_active_users: no column daily_active_users in user_analytics.rpt_engagement_daily",
        id="column-renamed",
    ),
    pytest.param(
        [("views/pipeline_runs.view.lkml", "${TABLE}.finished_at ;;", "${TABLE}.ended_at ;;")],
        "views/pipeline_runs.view.lkml",
        "no column ended_at in user_analytics.pipeline_runs",
        id="column-renamed-in-a-dimension-group",
    ),
    # A view removed from an explore's joins: the tiles' tenant field, or a measure's cross-view reference, dangles.
    pytest.param(
        [("explores/engagement.explore.lkml", ENGAGEMENT_TENANT_JOIN, "")],
        "dashboards/user_engagement.dashboard.lookml",
        "listens with dim_tenants.tenant_name, which is not a field of explore engagement",
        id="join-removed-tenant",
    ),
    pytest.param(
        [("explores/engagement.explore.lkml", ADOPTION_USERS_JOIN, "")],
        "views/rpt_feature_adoption_daily.view.lkml",
        "references rpt_engagement_daily.sum_total_users, but explore feature_adoption does not join "
        "rpt_engagement_daily",
        id="join-removed-cross-view-reference",
    ),
    pytest.param(
        [
            (
                "explores/engagement.explore.lkml",
                "join: funnel_previous {\n    from: rpt_feature_funnel_daily",
                "join: funnel_previous {\n    from: rpt_feature_funnel",
            )
        ],
        "explores/engagement.explore.lkml",
        "join funnel_previous: view rpt_feature_funnel does not exist",
        id="join-names-a-missing-view",
    ),
    pytest.param(
        [
            (
                "explores/tenants.explore.lkml",
                "relationship: many_to_one\n    sql_on: ${rpt_team_performance_daily.team_id}",
                "sql_on: ${rpt_team_performance_daily.team_id}",
            )
        ],
        "explores/tenants.explore.lkml",
        "join dim_teams: relationship must be one of",
        id="join-without-relationship",
    ),
    # A tile field that is not in its explore.
    pytest.param(
        [
            (
                "dashboards/user_engagement.dashboard.lookml",
                "rpt_engagement_daily.sum_wau,",
                "rpt_security_daily.sum_login_attempts,",
            )
        ],
        "dashboards/user_engagement.dashboard.lookml",
        "tile active_users: field rpt_security_daily.sum_login_attempts is not a field of explore engagement",
        id="tile-field-of-another-explore",
    ),
    pytest.param(
        [
            (
                "dashboards/security_analytics.dashboard.lookml",
                "rpt_incidents_daily.sum_incidents]",
                "rpt_incidents_daily.incident_count]",
            )
        ],
        "dashboards/security_analytics.dashboard.lookml",
        "tile incidents_by_status: field rpt_incidents_daily.incident_count is not a field of explore incidents",
        id="tile-field-misspelt",
    ),
    pytest.param(
        [
            (
                "dashboards/tenant_analytics.dashboard.lookml",
                "explore: team_composition\n    type: looker_bar",
                "explore: team_roles\n    type: looker_bar",
            )
        ],
        "dashboards/tenant_analytics.dashboard.lookml",
        "tile team_composition: explore team_roles does not exist",
        id="tile-explore-missing",
    ),
    # A wrong dataset in sql_table_name.
    pytest.param(
        [("views/rpt_security_daily.view.lkml", "@{dataset}.rpt_security_daily", "analytics.rpt_security_daily")],
        "views/rpt_security_daily.view.lkml",
        "sql_table_name 'analytics.rpt_security_daily' names dataset 'analytics', but the warehouse dataset is "
        "'user_analytics'",
        id="wrong-dataset-in-a-view",
    ),
    pytest.param(
        [("manifest.lkml", 'value: "user_analytics"', 'value: "user_analytics_staging"')],
        "views/dim_tenants.view.lkml",
        "names dataset 'user_analytics_staging', but the warehouse dataset is 'user_analytics'",
        id="wrong-dataset-in-the-constant",
    ),
    pytest.param(
        [("views/rpt_security_daily.view.lkml", "@{dataset}.rpt_security_daily", "@{dataset}.rpt_security_weekly")],
        "views/rpt_security_daily.view.lkml",
        "table 'rpt_security_weekly' is not in the generated schema",
        id="unknown-table",
    ),
    # A personal column exposed (policy-tagged, or a user id marked by its erasure rule).
    pytest.param(
        [("views/dim_users.view.lkml", "", DIM_USERS_VIEW)],
        "views/dim_users.view.lkml",
        "dimension email: exposes personal column dim_users.email (carries the PII policy tag)",
        id="personal-email",
    ),
    pytest.param(
        [("views/security_incidents.view.lkml", "", INCIDENT_IPS_VIEW)],
        "views/security_incidents.view.lkml",
        "dimension source_ip: exposes personal column security_incidents.ip",
        id="personal-ip-renamed",
    ),
    pytest.param(
        [("views/dim_team_members.view.lkml", "", TEAM_MEMBERS_VIEW)],
        "views/dim_team_members.view.lkml",
        "measure members: exposes personal column dim_team_members.user_id (is a person reference",
        id="personal-user-id",
    ),
    # A missing partition filter.
    pytest.param(
        [
            (
                "explores/security.explore.lkml",
                '  always_filter: {\n    filters: [rpt_security_daily.report_date: "30 days"]\n  }\n',
                "",
            )
        ],
        "explores/security.explore.lkml",
        "explore security: rpt_security_daily is partitioned by report_date, but the explore has no always_filter",
        id="partition-filter-missing",
    ),
    pytest.param(
        [
            (
                "explores/system.explore.lkml",
                '  always_filter: {\n    filters: [stream_login_attempts_1m.window_date: "1 days"]\n  }\n',
                "",
            )
        ],
        "explores/system.explore.lkml",
        "stream_login_attempts_1m is partitioned by window_date and requires a partition filter",
        id="partition-filter-missing-where-required",
    ),
    pytest.param(
        [
            (
                "explores/tenants.explore.lkml",
                "rpt_tenant_growth_daily.report_date:",
                "rpt_tenant_growth_daily.report_month:",
            )
        ],
        "explores/tenants.explore.lkml",
        "explore tenant_growth: rpt_tenant_growth_daily is partitioned by report_date",
        id="partition-filter-on-a-truncated-timeframe",
    ),
    pytest.param(
        [
            (
                "explores/engagement.explore.lkml",
                "\n      AND {% condition rpt_feature_funnel_daily.report_date %} ${funnel_start.report_raw} "
                "{% endcondition %}",
                "",
            )
        ],
        "explores/engagement.explore.lkml",
        "join funnel_start: rpt_feature_funnel_daily is partitioned by report_date: sql_on must repeat",
        id="joined-partitioned-table-unfiltered",
    ),
    # Dashboards: filters and listen.
    pytest.param(
        [
            (
                "dashboards/security_analytics.dashboard.lookml",
                "      date: rpt_incidents_daily.report_date\n    row: 24\n    col: 0",
                "      day: rpt_incidents_daily.report_date\n    row: 24\n    col: 0",
            )
        ],
        "dashboards/security_analytics.dashboard.lookml",
        "tile incidents_by_status: listens to filter 'day', which the dashboard does not define",
        id="listen-to-a-missing-filter",
    ),
    pytest.param(
        [
            (
                "dashboards/user_engagement.dashboard.lookml",
                "      date: rpt_engagement_daily.report_date\n    row: 0\n    col: 16",
                "    row: 0\n    col: 16",
            )
        ],
        "dashboards/user_engagement.dashboard.lookml",
        "tile stickiness: does not listen to the date filter on its partition column",
        id="tile-not-wired-to-the-date-filter",
    ),
    pytest.param(
        [
            (
                "dashboards/tenant_analytics.dashboard.lookml",
                "      tenant: dim_tenants.tenant_name\n"
                "      date: rpt_tenant_growth_daily.report_date\n    row: 0\n    col: 12",
                "      date: rpt_tenant_growth_daily.report_date\n    row: 0\n    col: 12",
            )
        ],
        "dashboards/tenant_analytics.dashboard.lookml",
        "tile user_flows: does not listen to the tenant filter, though its explore has the field",
        id="tile-not-wired-to-the-tenant-filter",
    ),
    pytest.param(
        [
            (
                "dashboards/system_performance.dashboard.lookml",
                "    note_text: All tenants (the tenant filter does not apply). p95/p99 show the slowest endpoint "
                "of each day; the mean is request-weighted.\n",
                "",
            )
        ],
        "dashboards/system_performance.dashboard.lookml",
        "tile api_latency_percentiles: explore api_performance has no tenant field",
        id="tenantless-tile-without-a-note",
    ),
    pytest.param(
        [
            (
                "dashboards/security_analytics.dashboard.lookml",
                "    field: dim_tenants.tenant_name\n",
                "    field: rpt_security_daily.login_attempts\n",
            )
        ],
        "dashboards/security_analytics.dashboard.lookml",
        "dashboard security_analytics: has no tenant filter",
        id="dashboard-without-a-tenant-filter",
    ),
    # Datagroups, types, parsing.
    pytest.param(
        [("hire10x_user_analytics.model.lkml", "MAX(finished_at)", "MAX(finish_at)")],
        "hire10x_user_analytics.model.lkml",
        "datagroup daily_pipeline: sql_trigger uses finish_at, which is not a column of pipeline_runs",
        id="datagroup-trigger-column",
    ),
    pytest.param(
        [
            (
                "explores/security.explore.lkml",
                "  view_name: rpt_incidents_daily\n",
                "  view_name: rpt_incidents_daily\n  persist_with: stream_windows\n",
            )
        ],
        "explores/security.explore.lkml",
        "explore incidents: reporting table rpt_incidents_daily changes when the pipeline publishes",
        id="reporting-explore-not-persisted-with-the-pipeline",
    ),
    pytest.param(
        [("views/rpt_incidents_daily.view.lkml", "    datatype: date\n", "")],
        "views/rpt_incidents_daily.view.lkml",
        "dimension_group report: DATE column report_date needs `datatype: date`",
        id="date-group-without-datatype",
    ),
    pytest.param(
        [
            (
                "views/rpt_login_failures_daily.view.lkml",
                '  dimension: failures {\n    group_label: "Per tenant, reason and day"\n    type: number',
                '  dimension: failures {\n    group_label: "Per tenant, reason and day"\n    type: string',
            )
        ],
        "views/rpt_login_failures_daily.view.lkml",
        "dimension failures: type string over INTEGER column failures: expected number",
        id="dimension-type-mismatch",
    ),
    pytest.param(
        [("views/dim_teams.view.lkml", "view: dim_teams {", "view: dim_teams {{")],
        "views/dim_teams.view.lkml",
        "lkml cannot parse it",
        id="unparseable-file",
    ),
]


@pytest.mark.parametrize(("edits", "file", "expected"), BREAKS)
def test_each_break_is_caught(
    tmp_path: Path, warehouse: Warehouse, edits: list[tuple[str, str, str]], file: str, expected: str
) -> None:
    problems = problems_of(broken_copy(tmp_path, edits), warehouse)
    assert any(p.file == file and expected in str(p) for p in problems), "\n".join(map(str, problems)) or "no problem"


def test_the_command_prints_a_summary_or_each_problem(tmp_path: Path) -> None:
    ok = subprocess.run(
        [sys.executable, "-m", "dashboards.lookml_check"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("LookML OK:") and len(ok.stdout.strip().splitlines()) == 1

    broken = broken_copy(tmp_path, [("views/rpt_engagement_daily.view.lkml", "${TABLE}.mau ;;", "${TABLE}.monthly ;;")])
    failed = subprocess.run(
        [sys.executable, "-m", "dashboards.lookml_check", "--project", str(broken)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert failed.returncode == 1
    assert f"{broken}/views/rpt_engagement_daily.view.lkml: view rpt_engagement_daily, dimension mau:" in failed.stderr
    assert "LookML check failed: 1 problem(s)" in failed.stderr
