"""The DAG files parse cleanly, without network, and say what the README says they do."""

from __future__ import annotations

import copy
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from dag_test_helpers import LOGICAL_DATE, sync_dag, task_states
from platform_env import DAGS_DIR

DAG_IDS = {"user_analytics_daily", "data_retention_daily", "user_analytics_backfill"}


def _no_network(*_args, **_kwargs):
    raise AssertionError("a DAG file opened a network connection while being parsed")


@pytest.fixture(scope="module")
def dagbag(airflow_db):
    from airflow.models.dagbag import DagBag

    with (
        mock.patch.object(socket.socket, "connect", _no_network),
        mock.patch.object(socket.socket, "connect_ex", _no_network),
        mock.patch.object(socket, "getaddrinfo", _no_network),
    ):
        return DagBag(dag_folder=str(DAGS_DIR), include_examples=False)


def test_every_dag_imports_without_errors(dagbag):
    assert dagbag.import_errors == {}
    assert set(dagbag.dag_ids) == DAG_IDS
    # .airflowignore keeps the operator package and the tests out of the parse.
    assert all("hire10x_temporal" not in s.file and "tests" not in s.file for s in dagbag.dagbag_stats)


def test_parsing_does_not_import_the_temporal_sdk():
    """A DAG file that never imports temporalio cannot have opened a Temporal client at parse time (the SDK's
    connections are made in Rust, out of reach of the socket patch above)."""
    code = (
        "import runpy, sys\n"
        f"sys.path.insert(0, {str(DAGS_DIR)!r})\n"
        "for name in ('user_analytics_daily', 'data_retention_daily', 'user_analytics_backfill'):\n"
        f"    runpy.run_path({str(DAGS_DIR)!r} + '/' + name + '.py')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'temporalio'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize(
    ("dag_id", "cron", "timetable", "catchup", "max_active_runs", "tags"),
    [
        (
            "user_analytics_daily",
            "0 2 * * *",
            "CronDataIntervalTimetable",
            True,
            3,
            {"hire10x", "temporal", "user-analytics-daily"},
        ),
        (
            "data_retention_daily",
            "0 4 * * *",
            "CronTriggerTimetable",
            False,
            1,
            {"hire10x", "temporal", "data-retention"},
        ),
        (
            "user_analytics_backfill",
            None,
            "NullTimetable",
            False,
            1,
            {"hire10x", "temporal", "user-analytics-backfill"},
        ),
    ],
)
def test_schedule_and_limits(dagbag, dag_id, cron, timetable, catchup, max_active_runs, tags):
    dag = dagbag.get_dag(dag_id)
    assert type(dag.timetable).__name__ == timetable
    if cron:
        assert dag.timetable.summary == cron
        assert str(dag.timetable._timezone) == "UTC"
    assert dag.catchup is catchup
    assert dag.max_active_runs == max_active_runs
    assert tags <= set(dag.tags)
    assert dag.doc_md and "/workflows?query=Pipeline%3D%22" in dag.doc_md


@pytest.mark.parametrize("dag_id", sorted(DAG_IDS))
def test_temporal_tasks_retry_with_exponential_backoff(dagbag, dag_id):
    from hire10x_temporal import StartTemporalWorkflowOperator

    tasks = [t for t in dagbag.get_dag(dag_id).tasks if isinstance(t, StartTemporalWorkflowOperator)]
    assert len(tasks) == 1
    (task,) = tasks
    assert task.owner == "data-platform"
    assert task.retries == 3
    assert task.retry_exponential_backoff
    assert task.max_retry_delay == timedelta(minutes=30)
    assert task.deferrable and task.wait_for_completion
    assert task.task_queue == "etl"
    assert task.temporal_conn_id == "temporal_default"


def test_daily_passes_the_data_interval(dagbag):
    dag = dagbag.get_dag("user_analytics_daily")
    task = dag.get_task("run_user_analytics_daily")
    assert task.workflow_type == "userAnalyticsDaily"
    assert task.pipeline == "user-analytics-daily"
    assert "user-analytics-daily%22" in dag.doc_md
    # The 02:00 run on 2026-11-28 covers day 2026-11-27.
    info = dag.timetable.next_dagrun_info(last_automated_data_interval=None, restriction=_restriction(dag))
    assert info.data_interval.start == datetime(2026, 11, 1, 2, tzinfo=UTC)
    context = {
        "data_interval_start": datetime(2026, 11, 27, 2, tzinfo=UTC),
        "data_interval_end": datetime(2026, 11, 28, 2, tzinfo=UTC),
    }
    env = dag.get_template_env()
    assert env.from_string(task.workflow_id).render(**context) == "user-analytics-daily:2026-11-27"
    (argument,) = task.arguments
    assert {k: env.from_string(v).render(**context) for k, v in argument.items()} == {
        "logicalDate": "2026-11-27",
        "dataIntervalStart": "2026-11-27T02:00:00+00:00",
        "dataIntervalEnd": "2026-11-28T02:00:00+00:00",
    }


def test_retention_and_backfill_workflow_types(dagbag):
    dag = dagbag.get_dag("data_retention_daily")
    retention = dag.get_task("run_data_retention")
    assert retention.workflow_type == "dataRetention"
    assert retention.workflow_id == "data-retention:{{ logical_date | ds }}"
    assert retention.pipeline == "data-retention"
    # The 04:00 run on 2026-12-01 (a trigger timetable: its logical date is the run time) applies retention as of it.
    env = dag.get_template_env()
    context = {"logical_date": datetime(2026, 12, 1, 4, tzinfo=UTC)}
    assert env.from_string(retention.workflow_id).render(**context) == "data-retention:2026-12-01"
    (argument,) = retention.arguments
    rendered = {k: env.from_string(v).render(**context) if isinstance(v, str) else v for k, v in argument.items()}
    assert rendered == {"asOf": "2026-12-01", "dryRun": False}
    backfill = dagbag.get_dag("user_analytics_backfill")
    run = backfill.get_task("run_user_analytics_backfill")
    assert run.workflow_type == "userAnalyticsBackfill"
    assert "{{ run_id }}" in run.workflow_id  # each manual trigger is its own Temporal run
    assert backfill.get_task("validate").downstream_task_ids == {"run_user_analytics_backfill"}


def test_backfill_params_schema(dagbag):
    from airflow.exceptions import ParamValidationError

    schema = dagbag.get_dag("user_analytics_backfill").params

    def validate(conf):
        params = copy.deepcopy(schema)
        params.update(conf)
        return params.validate()

    assert validate({"from": "2026-01-01", "to": "2026-01-31"}) == {
        "from": "2026-01-01",
        "to": "2026-01-31",
        "mode": "missing",
        "concurrency": 2,
        "dry_run": False,
    }
    for bad in (
        {},
        {"concurrency": 17},
        {"concurrency": 0},
        {"from": "yesterday"},
        {"to": None},
        {"mode": "some"},
        {"dry_run": "yes"},
    ):
        with pytest.raises(ParamValidationError):
            validate({"from": "2026-01-01", "to": "2026-01-31", **bad} if bad else {})


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"from": "2026-02-01", "to": "2026-01-01", "concurrency": 2}, "after"),
        ({"from": "2015-01-01", "to": "2026-01-01", "concurrency": 2}, "at most 3660"),
        ({"from": "2026-01-01", "to": "2026-01-02", "concurrency": 17}, "concurrency"),
        ({"from": "2026-01-01", "to": "2026-01-02", "concurrency": 2, "mode": "everything"}, "mode"),
        ({"from": "2026-01-01", "to": "2026-01-02", "concurrency": 2, "dry_run": "no"}, "dry_run"),
        ({"from": "2026-01-01", "to": "2026-01-02", "concurrency": True}, "concurrency"),
        ({"from": "2026-01-01", "to": "2026-01-02", "concurrency": "4"}, "concurrency"),
        ({"from": "2026-13-01", "to": "2026-01-02", "concurrency": 1}, "dates"),
    ],
)
def test_backfill_task_validation_rejects(params, error):
    from airflow.exceptions import AirflowFailException
    from user_analytics_backfill import validate_range

    with pytest.raises(AirflowFailException, match=error):
        validate_range(params)


def test_backfill_task_validation_normalises():
    from user_analytics_backfill import validate_range

    assert validate_range({"from": "2026-01-01", "to": "2026-12-31", "concurrency": 16}) == {
        "from": "2026-01-01",
        "to": "2026-12-31",
        "mode": "missing",
        "concurrency": 16,
        "dryRun": False,
    }
    assert validate_range({"from": "2026-01-01", "to": "2026-01-01", "concurrency": 1, "mode": "all", "dry_run": True})[
        "dryRun"
    ]


def test_backfill_run_with_inverted_range_fails_before_starting_a_workflow(dagbag):
    dag = dagbag.get_dag("user_analytics_backfill")
    sync_dag(dag)
    dag_run = dag.test(logical_date=LOGICAL_DATE, run_conf={"from": "2026-02-01", "to": "2026-01-01", "concurrency": 2})
    assert str(dag_run.state) == "failed"
    assert task_states(dag_run) == {"validate": "failed", "run_user_analytics_backfill": "upstream_failed"}


def _restriction(dag):
    from airflow.timetables.base import TimeRestriction

    return TimeRestriction(earliest=dag.start_date, latest=None, catchup=True)
