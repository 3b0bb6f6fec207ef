"""Helpers for tests that run DAGs with `dag.test()` and talk to the test platform's Temporal server."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from platform_env import NAMESPACE, TEST_ENV

T = TypeVar("T")
LOGICAL_DATE = datetime(2026, 11, 27, tzinfo=UTC)


def sync_dag(dag) -> None:
    """Serialises a DAG defined in a test module into the metadata DB, which `dag.test()` needs in Airflow 3."""
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.models.dagbag import DagBag, sync_bag_to_db

    DagBundlesManager().sync_bundles_to_db()
    bag = DagBag(include_examples=False, collect_dags=False)
    bag.bag_dag(dag)
    sync_bag_to_db(bag, "dags-folder", None)


def xcoms(dag_run) -> dict[tuple[str, str], Any]:
    """{(task_id, key): value} for one DAG run (values are whatever JSON the task pushed)."""
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with create_session() as session:
        rows = session.query(XComModel).filter_by(dag_id=dag_run.dag_id, run_id=dag_run.run_id).all()
        return {(str(row.task_id), str(row.key)): XComModel.deserialize_value(row) for row in rows}


def task_states(dag_run) -> dict[str, str]:
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session

    with create_session() as session:
        tis = session.query(TaskInstance).filter_by(dag_id=dag_run.dag_id, run_id=dag_run.run_id).all()
        return {str(ti.task_id): str(ti.state) for ti in tis}


def with_temporal(fn: Callable[[Any], Awaitable[T]]) -> T:
    """Runs ``fn(client)`` on a fresh event loop with a fresh client (a client belongs to the loop it was made on).
    The client has the project's codec, as the operator's does."""
    from hire10x_temporal.converter import build_data_converter
    from temporalio.client import Client

    async def main() -> T:
        client = await Client.connect(
            TEST_ENV["TEMPORAL_ADDRESS"], namespace=NAMESPACE, data_converter=build_data_converter()
        )
        return await fn(client)

    return asyncio.run(main())


class FakeTaskInstance:
    """Just enough of a task instance for calling ``execute`` directly (outside a DAG run)."""

    def __init__(self, dag_id: str = "direct_test", task_id: str = "start", run_id: str = "manual__direct") -> None:
        self.dag_id, self.task_id, self.run_id = dag_id, task_id, run_id
        self.xcoms: dict[str, Any] = {}

    def xcom_push(self, key: str, value: Any) -> None:
        self.xcoms[key] = value


def direct_context() -> dict[str, Any]:
    ti = FakeTaskInstance()
    return {"ti": ti, "run_id": ti.run_id}
