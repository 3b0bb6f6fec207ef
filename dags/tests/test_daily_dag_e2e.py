"""`user_analytics_daily` end to end: `dag.test()` of the real DAG for one day against the test platform's Temporal
server and the project's worker (`analytics worker`), on the small data set, in a source database and a data
directory (lake zones, DuckDB warehouse) of its own; then the day's warehouse partition against the source.

The DAG is parsed from dags/ as Composer would; the test changes only the task's queue (the worker's task-queue
prefix in front of `etl`) and its retries (0, so a failure ends the run instead of waiting out backoffs).

The test platform's Temporal server keeps its history across sessions, and the DAG's idempotent start attaches to
a completed `user-analytics-daily:<day>` instead of running it again. So each session takes a random day (after
the DAG's start_date) that has no such workflow yet, which keeps the DAG's workflow id template untouched and away
from the days other tests use.
"""

from __future__ import annotations

import collections
import functools
import json
import os
import random
import shutil
import signal
import subprocess
import tempfile
import threading
import time as clock
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from dag_test_helpers import task_states, with_temporal, xcoms
from platform_env import DAGS_DIR, NAMESPACE, ROOT, TEST_ENV, UI_URL

pytestmark = pytest.mark.usefixtures("airflow_db")

TASK_ID = "run_user_analytics_daily"
PIPELINE = "user-analytics-daily"
# Bounds a hung run only (the Spark transform alone takes minutes on 2 cores); the watchdog then terminates the
# workflow, so the deferred task fails instead of waiting forever.
RUN_TIMEOUT_S = 25 * 60
PG = {
    "host": TEST_ENV.get("SOURCE_DB_HOST", "127.0.0.1"),
    "port": TEST_ENV["SOURCE_DB_PORT"],
    "user": TEST_ENV.get("SOURCE_DB_USER", "analytics"),
}


@dataclass
class SeededDay:
    day: date
    db: str
    data_dir: Path
    env: dict[str, str]


@dataclass
class Worker:
    prefix: str
    proc: subprocess.Popen
    log: collections.deque = field(default_factory=lambda: collections.deque(maxlen=300))

    def tail(self, lines: int = 60) -> str:
        return "\n".join(list(self.log)[-lines:])


def _psql(sql: str, database: str = "postgres") -> str:
    result = subprocess.run(
        ["psql", "-h", PG["host"], "-p", PG["port"], "-U", PG["user"], "-d", database]
        + ["-v", "ON_ERROR_STOP=1", "-X", "-A", "-t", "-q", "-c", sql],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"psql {sql!r} failed:\n{result.stderr[-2000:]}"
    return result.stdout.strip()


def _analytics(env: dict[str, str], *args: str, timeout: float = 600) -> str:
    result = subprocess.run(
        ["node", "bin/analytics.js", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, f"analytics {' '.join(args)} failed:\n{result.stderr[-3000:]}"
    return result.stdout


def _unused_day() -> date:
    """A random day far from the ones other tests use, with no `user-analytics-daily:<day>` workflow yet."""
    from temporalio.service import RPCError, RPCStatusCode

    async def exists(client, workflow_id: str) -> bool:
        try:
            await client.get_workflow_handle(workflow_id).describe()
            return True
        except RPCError as err:
            if err.status == RPCStatusCode.NOT_FOUND:
                return False
            raise

    rng = random.SystemRandom()
    for _ in range(20):
        # After the DAG's start_date: for an earlier logical date Airflow creates the run without any task instance
        # and marks it successful at once.
        day = date(2027, 1, 1) + timedelta(days=rng.randrange(70 * 365))
        if not with_temporal(functools.partial(exists, workflow_id=f"{PIPELINE}:{day}")):
            return day
    pytest.fail(f"found no day without a {PIPELINE} workflow on the test platform in 20 tries")


@pytest.fixture
def seeded_day(temporal_platform) -> Iterator[SeededDay]:
    """One day of the small data set in a database and a data directory of its own."""
    day = _unused_day()
    db = f"dagtest_{uuid.uuid4().hex[:12]}"
    data_dir = Path(tempfile.mkdtemp(prefix="hire10x-dagtest-"))
    env = {**os.environ, **TEST_ENV, "SOURCE_DB_NAME": db, "ANALYTICS_DATA_DIR": str(data_dir)}
    _psql(f'create database "{db}"')
    try:
        _analytics(env, "seed", "--scale", "small", "--days", "1", "--end-date", day.isoformat(), "--seed", "dagtest")
        yield SeededDay(day, db, data_dir, env)
    finally:
        # force: a worker connection that outlived the test must not keep the database alive
        _psql(f'drop database if exists "{db}" with (force)')
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture
def daily_worker(seeded_day: SeededDay) -> Iterator[Worker]:
    """`analytics worker` over the seeded day's env, serving `<prefix>etl` (and gdpr, stream)."""
    prefix = f"dagtest-{uuid.uuid4().hex[:10]}-"
    proc = subprocess.Popen(
        ["node", "bin/analytics.js", "worker", "--task-queue-prefix", prefix],
        cwd=ROOT,
        env={**seeded_day.env, "LOG_LEVEL": "INFO"},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, so cleanup reaches whatever it left behind
    )
    worker = Worker(prefix, proc)
    started = threading.Event()

    def watch() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            worker.log.append(line.rstrip())
            if '"worker started"' in line:
                started.set()

    threading.Thread(target=watch, daemon=True).start()
    try:
        deadline = clock.monotonic() + 180
        while not started.wait(0.5):
            if proc.poll() is not None or clock.monotonic() > deadline:
                pytest.fail(f"analytics worker did not start (exit {proc.poll()}):\n{worker.tail()}")
        yield worker
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)  # drains and closes its adapters
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


def _daily_dag(task_queue_prefix: str):
    """The real DAG, parsed from dags/, pointed at the test worker's queue."""
    from airflow.models.dagbag import DagBag
    from dag_test_helpers import sync_dag

    bag = DagBag(dag_folder=str(DAGS_DIR / "user_analytics_daily.py"), include_examples=False)
    assert bag.import_errors == {}
    dag = bag.get_dag("user_analytics_daily")
    task = dag.get_task(TASK_ID)
    assert task.task_queue == "etl"
    task.task_queue = task_queue_prefix + task.task_queue
    task.retries = 0
    sync_dag(dag)
    return dag


def _watchdog(workflow_id: str, worker: Worker, done: threading.Event, why: list[str]) -> None:
    """Terminates the workflow if the worker dies or the run takes too long, so the waiting task fails."""
    deadline = clock.monotonic() + RUN_TIMEOUT_S
    while not done.wait(2):
        if worker.proc.poll() is not None:
            why.append(f"the worker exited with {worker.proc.returncode} during the run")
        elif clock.monotonic() > deadline:
            why.append(f"no outcome after {RUN_TIMEOUT_S} s")
        else:
            continue

        async def terminate(client) -> None:
            await client.get_workflow_handle(workflow_id).terminate(reason=f"test watchdog: {why[-1]}")

        while not done.is_set():
            try:
                with_temporal(terminate)
                return
            except Exception:  # not started yet, or already closed: try again until dag.test returns
                done.wait(2)
        return


def _warehouse_rows(env: dict[str, str], sql: str, day: date) -> list[dict]:
    out = _analytics(env, "warehouse", "query", sql, "--param", f"d:DATE={day}", "--json", timeout=300)
    return json.loads(out)


def test_daily_dag_run_loads_the_days_warehouse_partition(seeded_day: SeededDay, daily_worker: Worker):
    day = seeded_day.day
    workflow_id = f"{PIPELINE}:{day}"
    dag = _daily_dag(daily_worker.prefix)
    # The 02:00 UTC run on D+1 covers [D 02:00, D+1 02:00): its data_interval_start is day D.
    logical_date = datetime.combine(day + timedelta(days=1), time(2), tzinfo=UTC)

    done = threading.Event()
    why: list[str] = []  # reasons the watchdog stopped the run
    threading.Thread(target=_watchdog, args=(workflow_id, daily_worker, done, why), daemon=True).start()
    try:
        dag_run = dag.test(logical_date=logical_date)
    finally:
        done.set()

    assert not why, f"{why}; worker log:\n{daily_worker.tail()}"
    assert str(dag_run.state) == "success", f"DAG run {dag_run.state}; worker log:\n{daily_worker.tail()}"
    assert task_states(dag_run) == {TASK_ID: "success"}
    assert dag_run.data_interval_start == datetime.combine(day, time(2), tzinfo=UTC)

    pushed = xcoms(dag_run)
    run_id = pushed[(TASK_ID, "run_id")]
    assert run_id
    assert pushed[(TASK_ID, "workflow_id")] == workflow_id
    assert pushed[(TASK_ID, "temporal_url")] == (
        f"{UI_URL}/namespaces/{NAMESPACE}/workflows/{quote(workflow_id, safe='')}/{run_id}/history"
    )
    summary = pushed[(TASK_ID, "return_value")]
    assert (summary["workflowId"], summary["runId"], summary["logicalDate"]) == (workflow_id, run_id, str(day))
    assert summary["quality"]["failed"] == []

    async def started(client):
        handle = client.get_workflow_handle(workflow_id, run_id=run_id)
        description = await handle.describe()
        history = await handle.fetch_history()
        attributes = history.events[0].workflow_execution_started_event_attributes
        return description, await client.data_converter.decode(attributes.input.payloads)

    description, arguments = with_temporal(started)
    assert description.status.name == "COMPLETED"
    assert description.task_queue == f"{daily_worker.prefix}etl"
    # What the DAG passed is what userAnalyticsDaily's strict input schema accepted.
    assert arguments == [
        {
            "logicalDate": str(day),
            "dataIntervalStart": f"{day}T02:00:00+00:00",
            "dataIntervalEnd": f"{day + timedelta(days=1)}T02:00:00+00:00",
        }
    ]
    from temporalio.common import SearchAttributeKey

    attributes = description.typed_search_attributes
    assert attributes.get(SearchAttributeKey.for_keyword("Pipeline")) == PIPELINE
    assert attributes.get(SearchAttributeKey.for_keyword("LogicalDate")) == day.isoformat()

    # The day's partition holds exactly the day's source events.
    source = int(
        _psql(
            "select count(*) from activity_events "
            f"where occurred_at >= timestamptz '{day} 00:00:00+00' "
            f"and occurred_at < timestamptz '{day + timedelta(days=1)} 00:00:00+00'",
            seeded_day.db,
        )
    )
    assert source > 0
    assert summary["extracted"]["activity_events"] == source
    assert summary["loaded"]["fact_user_activities"] == source
    (facts,) = _warehouse_rows(
        seeded_day.env,
        "select count(*) as n from user_analytics.fact_user_activities where event_date = @d",
        day,
    )
    assert int(facts["n"]) == source

    runs = _warehouse_rows(
        seeded_day.env,
        "select workflow_id, run_id, status from user_analytics.pipeline_runs where logical_date = @d",
        day,
    )
    assert runs == [{"workflow_id": workflow_id, "run_id": run_id, "status": "succeeded"}]
