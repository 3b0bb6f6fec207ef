"""StartTemporalWorkflowOperator: the only thing a Composer DAG here does is start a Temporal workflow."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from airflow.exceptions import AirflowException, AirflowFailException
from airflow.sdk import BaseOperator

from hire10x_temporal.failures import WorkflowFailure
from hire10x_temporal.settings import DEFAULT_CONN_ID, TemporalSettings, load_settings
from hire10x_temporal.trigger import TemporalWorkflowTrigger

if TYPE_CHECKING:
    from airflow.sdk import Context

XCOM_WORKFLOW_ID = "workflow_id"
XCOM_RUN_ID = "run_id"
XCOM_URL = "temporal_url"


class StartTemporalWorkflowOperator(BaseOperator):
    """Starts ``workflow_type`` on ``task_queue`` under a templated, idempotent workflow id, and by default waits.

    Idempotence: the start uses id-conflict policy USE_EXISTING and id-reuse policy ALLOW_DUPLICATE_FAILED_ONLY, so
    an Airflow retry or a cleared task attaches to the run that is still going or that already completed, and only
    a failed, timed-out, cancelled or terminated run is started again.

    :param workflow_type: Temporal workflow type name, e.g. ``userAnalyticsDaily``.
    :param task_queue: queue the TypeScript workers serve (``etl``, ``gdpr``, ``stream``). Templated.
    :param workflow_id: templated id, e.g. ``user-analytics-daily:{{ data_interval_start | ds }}``.
    :param arguments: positional workflow arguments (JSON values), templated; the project's workflows take one
        input object, so usually a one-element list. XComArgs inside are resolved.
    :param wait_for_completion: wait for the workflow's result (default) or return right after the start.
    :param deferrable: wait on the triggerer instead of holding a worker slot (default True).
    :param poll_interval: seconds between "still running" log lines while waiting; the result itself is
        long-polled, not polled.
    :param workflow_execution_timeout: Temporal's execution timeout for a run this task starts (None: unbounded).
        Airflow's own ``execution_timeout`` still bounds the task.
    :param pipeline: value of the ``Pipeline`` search attribute set at start, so the Web UI can filter runs
        before the workflow upserts its own.
    :param logical_date: ISO date or datetime for the ``LogicalDate`` search attribute. Templated.
    :param temporal_conn_id: Airflow connection holding the Temporal address, namespace, TLS and UI URL.

    Pushes XComs ``workflow_id``, ``run_id`` and ``temporal_url``; returns the workflow's result when it waits.
    """

    template_fields: Sequence[str] = ("workflow_id", "arguments", "task_queue", "logical_date")
    template_fields_renderers = {"arguments": "json"}
    ui_color = "#e1f0fb"

    def __init__(
        self,
        *,
        workflow_type: str,
        task_queue: str,
        workflow_id: str,
        arguments: Sequence[Any] | None = None,
        wait_for_completion: bool = True,
        deferrable: bool = True,
        poll_interval: float = 60.0,
        workflow_execution_timeout: timedelta | None = None,
        pipeline: str | None = None,
        logical_date: str | None = None,
        temporal_conn_id: str = DEFAULT_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if poll_interval <= 0:
            raise ValueError("poll_interval must be positive")
        self.workflow_type = workflow_type
        self.task_queue = task_queue
        self.workflow_id = workflow_id
        self.arguments = arguments
        self.wait_for_completion = wait_for_completion
        self.deferrable = deferrable
        self.poll_interval = poll_interval
        self.workflow_execution_timeout = workflow_execution_timeout
        self.pipeline = pipeline
        self.logical_date = logical_date
        self.temporal_conn_id = temporal_conn_id

    def execute(self, context: Context) -> Any:
        settings = load_settings(self.temporal_conn_id)
        wait_here = self.wait_for_completion and not self.deferrable
        run_id, started, outcome = asyncio.run(self._start(settings, context, wait_here))
        url = settings.workflow_url(self.workflow_id, run_id)
        self._push_ids(context, self.workflow_id, run_id, url)
        self.log.info(
            "%s Temporal workflow %s (type %s, run %s) on task queue %s: %s",
            "Started" if started else "Attached to existing",
            self.workflow_id,
            self.workflow_type,
            run_id,
            self.task_queue,
            url,
        )
        if not self.wait_for_completion:
            return {"workflow_id": self.workflow_id, "run_id": run_id, "url": url}
        if self.deferrable:
            self.defer(
                trigger=TemporalWorkflowTrigger(
                    workflow_id=self.workflow_id,
                    run_id=run_id,
                    temporal_conn_id=self.temporal_conn_id,
                    poll_interval=self.poll_interval,
                ),
                method_name="execute_complete",
            )
        event = {"workflow_id": self.workflow_id, "run_id": run_id, "url": url, **outcome}
        return self.execute_complete(context, event)

    def execute_complete(self, context: Context, event: dict[str, Any] | None = None) -> Any:
        """Resumes after the trigger (or the in-task wait): returns the result or raises with the failure."""
        event = event or {}
        workflow_id = event.get("workflow_id") or self.workflow_id
        run_id = event.get("run_id")
        url = event.get("url") or ""
        self._push_ids(context, workflow_id, run_id, url)
        status = event.get("status")
        if status == "success":
            self.log.info("Temporal workflow %s (run %s) completed: %s", workflow_id, run_id, url)
            return event.get("result")
        if status == "failed":
            failure = WorkflowFailure.from_dict(event.get("failure") or {})
            self.log.error("Temporal workflow %s failed; cause chain: %s", workflow_id, failure.chain)
            # A non-retryable failure (bad input) fails the same way on every try: do not spend Airflow retries on it.
            error = AirflowFailException if failure.non_retryable else AirflowException
            kind = f" [{failure.failure_type}]" if failure.failure_type else ""
            raise error(f"Temporal workflow {workflow_id} (run {run_id}) failed{kind}: {failure.message} — {url}")
        raise AirflowException(
            f"Could not get the outcome of Temporal workflow {workflow_id} (run {run_id}): "
            f"{event.get('message', 'no event from the trigger')} — {url}"
        )

    async def _start(
        self, settings: TemporalSettings, context: Context, wait: bool
    ) -> tuple[str | None, bool, dict[str, Any]]:
        """Connects, starts (or attaches), and optionally waits, all on one event loop and one client."""
        from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
        from temporalio.exceptions import WorkflowAlreadyStartedError

        from hire10x_temporal.outcome import await_outcome

        if self.arguments is not None and not isinstance(self.arguments, list | tuple):
            raise AirflowFailException(f"arguments must be a list of workflow arguments, got {type(self.arguments)}")
        from hire10x_temporal.codec import CodecKeyError

        dag_id, task_id, dag_run_id = _airflow_ids(context)
        try:
            client = await settings.connect(identity=f"airflow:{dag_id}.{task_id}")
        except CodecKeyError as err:
            raise AirflowException(f"cannot encrypt Temporal payloads: {err}") from err
        except Exception as err:
            raise AirflowException(f"cannot reach Temporal at {settings.target} ({err})") from err
        try:
            handle = await client.start_workflow(
                self.workflow_type,
                args=list(self.arguments or []),
                id=self.workflow_id,
                task_queue=self.task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
                execution_timeout=self.workflow_execution_timeout,
                search_attributes=self._search_attributes(),
                static_summary=f"Started by Airflow {dag_id}.{task_id} ({dag_run_id})",
            )
            run_id = handle.result_run_id
            # USE_EXISTING answers a start with the running run's id; the response says whether it started one.
            response = getattr(handle, "_start_workflow_response", None)
            started = bool(getattr(response, "started", True))
        except WorkflowAlreadyStartedError as err:
            # A run with this id already completed successfully (ALLOW_DUPLICATE_FAILED_ONLY refuses a new one).
            run_id, started = err.run_id or None, False
        outcome: dict[str, Any] = {}
        if wait:
            url = settings.workflow_url(self.workflow_id, run_id)
            outcome = await await_outcome(
                client, self.workflow_id, run_id, poll_interval=self.poll_interval, log=self.log, url=url
            )
        return run_id, started, outcome

    def _search_attributes(self) -> Any:
        from temporalio.common import SearchAttributeKey, SearchAttributePair, TypedSearchAttributes

        pairs: list[SearchAttributePair[Any]] = []
        if self.pipeline:
            pairs.append(SearchAttributePair(SearchAttributeKey.for_keyword("Pipeline"), self.pipeline))
        if self.logical_date:
            # A Keyword holding the day (YYYY-MM-DD), as the TypeScript starters set it (search-attributes.ts):
            # the UI finds it by equality, and range queries still order correctly.
            value = datetime.fromisoformat(str(self.logical_date))
            if value.tzinfo is not None:
                value = value.astimezone(UTC)
            pairs.append(SearchAttributePair(SearchAttributeKey.for_keyword("LogicalDate"), value.date().isoformat()))
        return TypedSearchAttributes(pairs) if pairs else None

    @staticmethod
    def _push_ids(context: Context, workflow_id: str, run_id: str | None, url: str) -> None:
        ti = context["ti"]
        ti.xcom_push(key=XCOM_WORKFLOW_ID, value=workflow_id)
        ti.xcom_push(key=XCOM_RUN_ID, value=run_id)
        ti.xcom_push(key=XCOM_URL, value=url)


def _airflow_ids(context: Context) -> tuple[str, str, str]:
    ti = context["ti"]
    return ti.dag_id, ti.task_id, str(context.get("run_id") or ti.run_id)
