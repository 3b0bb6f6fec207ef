"""20 chained no-op Python steps: the per-step cost of Airflow's scheduler + LocalExecutor + task runner.

`@task` (not EmptyOperator, which the scheduler marks done without ever handing it to the executor), so each step
pays what a real Python task pays: scheduling, queueing, a forked task process and its Execution API calls.
"""

from __future__ import annotations

from airflow.sdk import dag, task

STEPS = 20


@task
def step() -> None:
    """Does nothing: only the orchestration around it is measured."""


@dag(dag_id="orchestration_chain", schedule=None, catchup=False, max_active_runs=1, default_args={"retries": 0})
def orchestration_chain() -> None:
    previous = None
    for i in range(STEPS):
        current = step.override(task_id=f"step_{i:02d}")()
        if previous is not None:
            previous >> current
        previous = current


orchestration_chain()
