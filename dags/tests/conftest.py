"""Fixtures for the DAG tests: an isolated Airflow (temp AIRFLOW_HOME, SQLite), the test platform's Temporal dev
server (test/test-env.json) and the project's TypeScript worker on a task queue of its own."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator

import pytest
from platform_env import DAGS_DIR, NAMESPACE, ROOT, TEMPORAL_HOST, TEMPORAL_PORT, TEST_ENV, UI_URL

# Airflow reads its configuration when first imported, so the environment is set before any test module imports it.
_AIRFLOW_HOME = tempfile.mkdtemp(prefix="hire10x-airflow-")
os.environ.update(
    {
        "AIRFLOW_HOME": _AIRFLOW_HOME,
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_DIR),
        "AIRFLOW_CONN_TEMPORAL_DEFAULT": json.dumps(
            {
                "conn_type": "generic",
                "host": TEMPORAL_HOST,
                "port": int(TEMPORAL_PORT),
                "extra": {"namespace": NAMESPACE, "ui_url": UI_URL},
            }
        ),
    }
)
# One set of payload codec keys for every process of the session: the operator here, tests/ts_worker.ts and the
# `analytics worker` of test_daily_dag_e2e.py (which has a data directory of its own, hence SECRETS_DIR rather than
# ANALYTICS_DATA_DIR). The file is the test platform's, created by whichever process needs it first.
os.environ.setdefault("SECRETS_DIR", str((ROOT / TEST_ENV["ANALYTICS_DATA_DIR"] / "secrets").resolve()))
# Composer puts dags/ on the Python path; so do the tests (the DAGs import hire10x_temporal from there).
if str(DAGS_DIR) not in sys.path:
    sys.path.insert(0, str(DAGS_DIR))


@pytest.fixture(scope="session")
def airflow_db() -> Iterator[None]:
    """`airflow db migrate` once per session into the temp AIRFLOW_HOME (SQLite)."""
    result = subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"], capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, f"airflow db migrate failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    yield
    shutil.rmtree(_AIRFLOW_HOME, ignore_errors=True)


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def temporal_platform() -> Iterator[None]:
    """The test platform's Temporal server; brought up (and down afterwards) only if it is not running."""
    env = {**os.environ, **TEST_ENV}
    started = False
    if not _reachable(TEMPORAL_HOST, int(TEMPORAL_PORT)):
        subprocess.run(["node", "bin/analytics.js", "dev", "up"], cwd=ROOT, env=env, check=True, timeout=600)
        started = True
    yield
    if started and os.environ.get("KEEP_TEST_PLATFORM") != "1":
        subprocess.run(["node", "bin/analytics.js", "dev", "down"], cwd=ROOT, env=env, check=False, timeout=120)


@pytest.fixture(scope="session")
def ts_worker(temporal_platform: None) -> Iterator[str]:
    """The project's TypeScript workers on a unique task queue; yields the queue (the etl role's name)."""
    task_queue = f"airflow-test-{uuid.uuid4()}"
    log = tempfile.TemporaryFile(mode="w+")
    proc = subprocess.Popen(
        [str(ROOT / "node_modules" / ".bin" / "tsx"), "dags/tests/ts_worker.ts", task_queue],
        cwd=ROOT,
        env={**os.environ, **TEST_ENV},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    ready = threading.Event()

    def watch() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.strip() == "READY":
                ready.set()

    threading.Thread(target=watch, daemon=True).start()
    deadline = time.monotonic() + 180
    while not ready.wait(0.5):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            log.seek(0)
            pytest.fail(f"TypeScript worker did not start (exit {proc.returncode}):\n{log.read()[-4000:]}")
    try:
        yield task_queue
    finally:
        assert proc.stdin is not None
        proc.stdin.close()  # the worker shuts down gracefully when stdin closes
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def pytest_configure(config: pytest.Config) -> None:
    # Airflow 3.1 warns about its own internals and about newer releases of its dependencies: not ours to act on.
    for module in ("airflow", "starlette", "pathspec"):
        config.addinivalue_line("filterwarnings", f"ignore::DeprecationWarning:{module}")
        config.addinivalue_line("filterwarnings", f"ignore::FutureWarning:{module}")
