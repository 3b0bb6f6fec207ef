"""The contract between the Composer DAGs and the TypeScript worker, checked across the language boundary: every
workflow a DAG starts is registered by the worker, on the task queue the worker serves for it, and the arguments the
DAG renders parse with that workflow's zod input schema (workflows/registry.ts, through tests/ts_contract.ts).

A DAG that names a workflow no worker runs would otherwise start runs that wait on their queue forever."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from platform_env import DAGS_DIR, ROOT

# A scheduled run of each DAG as Airflow would render it (the 02:00 run on 2026-11-28 covers 2026-11-27).
_LOGICAL = datetime(2026, 11, 28, 2, tzinfo=UTC)
_CONTEXT_BASE = {
    "logical_date": _LOGICAL,
    "data_interval_start": _LOGICAL - timedelta(days=1),
    "data_interval_end": _LOGICAL,
    "ds": "2026-11-28",
    "ts": _LOGICAL.isoformat(),
    "run_id": "scheduled__2026-11-28T02:00:00+00:00",
}


@pytest.fixture(scope="module")
def dagbag(airflow_db):
    from airflow.models.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS_DIR), include_examples=False)
    assert bag.import_errors == {}
    return bag


def _sample_params(dag) -> dict[str, Any]:
    """Each param's default, else its first JSON-schema example: a DAG with a required param and neither fails here,
    so every DAG stays checkable."""
    out: dict[str, Any] = {}
    for name, param in dag.params.items():
        value = param.value if param.has_value else None
        if value is None:
            examples = param.schema.get("examples") or []
            assert examples, f"{dag.dag_id}: param {name!r} has no default and no examples to render the contract with"
            value = examples[0]
        out[name] = value
    return out


def _resolve(value: Any, task, context: dict[str, Any]) -> Any:
    """Renders a templated argument; an XComArg (a @task's output) is the output of that task's callable for the
    same params, which is what Airflow would push."""
    from airflow.providers.standard.operators.python import PythonOperator
    from airflow.sdk.definitions.xcom_arg import PlainXComArg

    if isinstance(value, PlainXComArg):
        operator = value.operator
        assert isinstance(operator, PythonOperator), f"{operator!r} is not a @task"
        return operator.python_callable(params=context["params"])
    if isinstance(value, list):
        return [_resolve(v, task, context) for v in value]
    if isinstance(value, dict):
        return {k: _resolve(v, task, context) for k, v in value.items()}
    if isinstance(value, str):
        return task.render_template(value, context, jinja_env=task.dag.get_template_env())
    return value


def _rendered_starts(dagbag) -> list[dict[str, Any]]:
    from hire10x_temporal import StartTemporalWorkflowOperator

    starts = []
    for dag_id in sorted(dagbag.dag_ids):
        dag = dagbag.get_dag(dag_id)
        context = {**_CONTEXT_BASE, "params": _sample_params(dag), "dag": dag}
        for task in dag.tasks:
            if not isinstance(task, StartTemporalWorkflowOperator):
                continue
            starts.append(
                {
                    "source": f"{dag_id}.{task.task_id}",
                    "workflowType": task.workflow_type,
                    "taskQueue": task.task_queue,
                    "args": _resolve(list(task.arguments or []), task, context),
                }
            )
    return starts


def _check(starts: list[dict[str, Any]]) -> dict[str, list[str]]:
    result = subprocess.run(
        [str(ROOT / "node_modules" / ".bin" / "tsx"), "dags/tests/ts_contract.ts"],
        input=json.dumps(starts, default=str),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"ts_contract failed:\n{result.stderr[-3000:]}"
    return {r["source"]: r["problems"] for r in json.loads(result.stdout)}


def test_every_dag_starts_a_registered_workflow_with_valid_input(dagbag):
    starts = _rendered_starts(dagbag)
    # One start per DAG: a DAG without one would be checked by nothing here.
    assert {s["source"].split(".")[0] for s in starts} == set(dagbag.dag_ids)
    problems = _check(starts)
    assert problems == {s["source"]: [] for s in starts}


def test_the_rendered_arguments_are_the_workflow_inputs(dagbag):
    """What the check above parsed, spelled out, so a rendering mistake cannot pass as 'valid but different'."""
    by_source = {s["source"]: s for s in _rendered_starts(dagbag)}
    assert by_source["user_analytics_daily.run_user_analytics_daily"]["args"] == [
        {
            "logicalDate": "2026-11-27",
            "dataIntervalStart": "2026-11-27T02:00:00+00:00",
            "dataIntervalEnd": "2026-11-28T02:00:00+00:00",
        }
    ]
    assert by_source["user_analytics_backfill.run_user_analytics_backfill"]["args"] == [
        {"from": "2026-11-01", "to": "2026-11-30", "mode": "missing", "concurrency": 2, "dryRun": False}
    ]
    assert by_source["data_retention_daily.run_data_retention"]["workflowType"] == "dataRetention"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"workflowType": "userAnalyticsRebuild"}, "is not registered by the worker"),
        ({"taskQueue": "analytics"}, "is not served by the worker"),
        ({"taskQueue": "gdpr"}, "belongs on task queue etl"),
        ({"args": [{"logicalDate": "2026-11-31"}]}, "logicalDate: not a calendar date"),
        ({"args": [{"logicalDate": "2026-11-27", "date": "2026-11-27"}]}, "Unrecognized key"),
        ({"args": []}, "takes one argument"),
    ],
)
def test_the_check_fails_a_dag_that_drifts(change, expected):
    """The contract check is only worth something if it can fail: each drift a DAG could make is reported."""
    start = {
        "source": "drifted.start",
        "workflowType": "userAnalyticsDaily",
        "taskQueue": "etl",
        "args": [{"logicalDate": "2026-11-27"}],
        **change,
    }
    problems = _check([start])["drifted.start"]
    assert any(expected in p for p in problems), problems
