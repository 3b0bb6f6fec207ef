"""StartTemporalWorkflowOperator end to end: real Airflow (`dag.test()`, which runs deferrals inline), the test
platform's Temporal dev server and the project's TypeScript worker running `platformHealthCheck`."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from urllib.parse import quote

import pytest
from dag_test_helpers import LOGICAL_DATE, direct_context, sync_dag, task_states, with_temporal, xcoms
from platform_env import NAMESPACE, UI_URL

pytestmark = pytest.mark.usefixtures("airflow_db")

HEALTHY_INPUT = {"dependencies": ["temporal"]}
INVALID_INPUT = {"dependencies": ["mainframe"]}


def _first_event(trigger):
    """What the triggerer does with a trigger: run it and take the first event it yields."""

    async def first():
        return await anext(trigger.run())

    return asyncio.run(first())


def _operator(task_queue: str, workflow_id: str, arguments: list, **kwargs):
    from hire10x_temporal import StartTemporalWorkflowOperator

    return StartTemporalWorkflowOperator(
        task_id=kwargs.pop("task_id", "start_health_check"),
        workflow_type="platformHealthCheck",
        task_queue=task_queue,
        workflow_id=workflow_id,
        arguments=arguments,
        pipeline="platform-health",
        poll_interval=1,
        **kwargs,
    )


def _dag(dag_id: str, task_queue: str, workflow_id: str, arguments: list, **kwargs):
    from airflow.sdk import DAG

    with DAG(dag_id, schedule=None, start_date=datetime(2026, 1, 1, tzinfo=UTC), catchup=False) as dag:
        _operator(task_queue, workflow_id, arguments, retries=2, **kwargs)
    sync_dag(dag)
    return dag


def _ui_link(workflow_id: str, run_id: str) -> str:
    return f"{UI_URL}/namespaces/{NAMESPACE}/workflows/{quote(workflow_id, safe='')}/{run_id}/history"


async def _executions(client, workflow_id: str) -> list:
    return [w async for w in client.list_workflows(f'WorkflowId = "{workflow_id}"')]


def test_dag_run_starts_waits_succeeds_and_a_rerun_attaches_to_the_same_run(ts_worker):
    prefix = f"airflow-test-health:{uuid.uuid4()}"
    dag = _dag("temporal_e2e_success", ts_worker, prefix + ":{{ ds }}", [HEALTHY_INPUT], logical_date="{{ ds }}")
    workflow_id = f"{prefix}:2026-11-27"

    first = dag.test(logical_date=LOGICAL_DATE)

    assert str(first.state) == "success"
    pushed = xcoms(first)
    run_id = pushed[("start_health_check", "run_id")]
    assert pushed[("start_health_check", "workflow_id")] == workflow_id
    assert pushed[("start_health_check", "temporal_url")] == _ui_link(workflow_id, run_id)
    report = pushed[("start_health_check", "return_value")]
    assert report["ok"] is True
    assert [c["dependency"] for c in report["checks"]] == ["temporal"]

    async def describe(client):
        return await client.get_workflow_handle(workflow_id).describe()

    description = with_temporal(describe)
    assert description.status.name == "COMPLETED"
    assert description.run_id == run_id
    from temporalio.common import SearchAttributeKey

    attributes = description.typed_search_attributes
    assert attributes.get(SearchAttributeKey.for_keyword("Pipeline")) == "platform-health"
    assert attributes.get(SearchAttributeKey.for_keyword("LogicalDate")) == LOGICAL_DATE.date().isoformat()

    # The same task again (a retry, a cleared task, a re-run of the day): same run, no second execution.
    second = dag.test(logical_date=LOGICAL_DATE)

    assert str(second.state) == "success"
    assert xcoms(second)[("start_health_check", "run_id")] == run_id
    executions = with_temporal(lambda client: _executions(client, workflow_id))
    assert [e.run_id for e in executions] == [run_id]


def test_dag_run_fails_with_the_workflow_failure_and_spends_no_retries(ts_worker):
    workflow_id = f"airflow-test-invalid:{uuid.uuid4()}"
    dag = _dag("temporal_e2e_failure", ts_worker, workflow_id, [INVALID_INPUT])

    dag_run = dag.test(logical_date=LOGICAL_DATE)

    assert str(dag_run.state) == "failed"
    # "failed", not "up_for_retry": bad input is a non-retryable failure, so the task's retries=2 are not spent.
    assert task_states(dag_run) == {"start_health_check": "failed"}

    async def outcome(client):
        return await client.get_workflow_handle(workflow_id).describe()

    assert with_temporal(outcome).status.name == "FAILED"


def test_non_deferrable_waits_in_execute(ts_worker):
    workflow_id = f"airflow-test-sync:{uuid.uuid4()}"
    op = _operator(ts_worker, workflow_id, [HEALTHY_INPUT], deferrable=False)
    context = direct_context()

    report = op.execute(context)

    assert report["ok"] is True
    pushed = context["ti"].xcoms
    assert pushed["workflow_id"] == workflow_id
    assert pushed["temporal_url"] == _ui_link(workflow_id, pushed["run_id"])


def test_workflow_failure_message_names_the_bad_input(ts_worker):
    from airflow.exceptions import AirflowFailException

    workflow_id = f"airflow-test-invalid:{uuid.uuid4()}"
    op = _operator(ts_worker, workflow_id, [INVALID_INPUT], deferrable=False)
    context = direct_context()

    with pytest.raises(AirflowFailException) as failure:
        op.execute(context)

    message = str(failure.value)
    assert "[InvalidInput]" in message
    assert "platformHealthCheck input: dependencies.0" in message
    assert _ui_link(workflow_id, context["ti"].xcoms["run_id"]) in message


def test_deferral_through_the_real_trigger(ts_worker):
    from airflow.exceptions import AirflowFailException, TaskDeferred
    from airflow.sdk.module_loading import import_string

    def defer_and_trigger(arguments):
        op = _operator(ts_worker, f"airflow-test-deferred:{uuid.uuid4()}", arguments)
        context = direct_context()
        with pytest.raises(TaskDeferred) as deferred:
            op.execute(context)
        assert deferred.value.method_name == "execute_complete"
        # What the triggerer does: rebuild the trigger from its serialised form, then await its first event.
        classpath, kwargs = deferred.value.trigger.serialize()
        assert classpath == "hire10x_temporal.trigger.TemporalWorkflowTrigger"
        assert set(kwargs) == {"workflow_id", "run_id", "temporal_conn_id", "poll_interval"}  # no secrets persisted
        trigger = import_string(classpath)(**kwargs)
        event = _first_event(trigger)
        return op, context, event.payload

    op, context, payload = defer_and_trigger([HEALTHY_INPUT])
    assert payload["status"] == "success"
    assert op.execute_complete(context, payload)["ok"] is True

    op, context, payload = defer_and_trigger([INVALID_INPUT])
    assert payload["status"] == "failed"
    with pytest.raises(AirflowFailException, match=r"dependencies\.0"):
        op.execute_complete(context, payload)


def test_running_workflow_is_reattached_and_a_terminated_one_is_started_again(temporal_platform):
    # No worker serves this queue, so the workflow stays running until terminated.
    workflow_id = f"airflow-test-running:{uuid.uuid4()}"
    op = _operator(f"no-worker-{uuid.uuid4()}", workflow_id, [HEALTHY_INPUT], wait_for_completion=False)

    first = op.execute(direct_context())
    again = op.execute(direct_context())

    assert again["run_id"] == first["run_id"]

    async def terminate(client):
        await client.get_workflow_handle(workflow_id).terminate(reason="test")

    with_temporal(terminate)
    restarted = op.execute(direct_context())
    with_temporal(terminate)

    assert restarted["run_id"] != first["run_id"]
    executions = with_temporal(lambda client: _executions(client, workflow_id))
    assert sorted(e.run_id for e in executions) == sorted([first["run_id"], restarted["run_id"]])


def test_unreachable_temporal_is_a_retryable_error(monkeypatch, airflow_db):
    from airflow.exceptions import AirflowException, AirflowFailException
    from hire10x_temporal import TemporalWorkflowTrigger

    monkeypatch.setenv("AIRFLOW_CONN_TEMPORAL_NOWHERE", '{"conn_type": "generic", "host": "127.0.0.1", "port": 1}')
    op = _operator("etl", "never-started", [HEALTHY_INPUT], temporal_conn_id="temporal_nowhere")
    with pytest.raises(AirflowException, match="cannot reach Temporal at 127.0.0.1:1") as error:
        op.execute(direct_context())
    assert not isinstance(error.value, AirflowFailException)

    trigger = TemporalWorkflowTrigger(workflow_id="never-started", run_id=None, temporal_conn_id="temporal_nowhere")
    event = _first_event(trigger)
    assert event.payload["status"] == "error"
    with pytest.raises(AirflowException, match="Could not get the outcome"):
        op.execute_complete(direct_context(), event.payload)
