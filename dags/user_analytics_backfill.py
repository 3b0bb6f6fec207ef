"""Manual backfill: rebuild user analytics for a date range with Temporal `userAnalyticsBackfill` (bounded fan-out).

The parameters are the workflow's input (workflows/backfill-contract.ts), validated here with the same rules; the
cross-language contract test (tests/test_workflow_contract.py) parses the rendered arguments with the workflow's zod
schema, so the two cannot drift apart silently."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from airflow.exceptions import AirflowFailException
from airflow.sdk import DAG, Param, task
from hire10x_temporal import StartTemporalWorkflowOperator
from hire10x_temporal.pipelines import TAGS, default_args, pipeline_doc

PIPELINE = "user-analytics-backfill"
WORKFLOW_TYPE = "userAnalyticsBackfill"
TASK_QUEUE = "etl"
# The limits of workflows/backfill-contract.ts (BACKFILL_MAX_DAYS, BACKFILL_MAX_CONCURRENCY, BACKFILL_MODES).
MAX_RANGE_DAYS = 3660
MAX_CONCURRENCY = 16
MODES = ("missing", "failed", "all")


def validate_range(params: dict[str, Any]) -> dict[str, Any]:
    """Checks what the Param schemas cannot express (from <= to, range size) and repeats the rest: a run triggered
    through the REST API or the CLI can skip the form's validation."""
    try:
        start = date.fromisoformat(str(params["from"]))
        end = date.fromisoformat(str(params["to"]))
    except (KeyError, ValueError) as err:
        raise AirflowFailException(f"params 'from' and 'to' must be dates (YYYY-MM-DD): {err}") from err
    if start > end:
        raise AirflowFailException(f"'from' ({start}) is after 'to' ({end})")
    days = (end - start).days + 1
    if days > MAX_RANGE_DAYS:
        raise AirflowFailException(f"range {start}..{end} is {days} days; at most {MAX_RANGE_DAYS} per run")
    concurrency = params.get("concurrency")
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or not 1 <= concurrency <= MAX_CONCURRENCY:
        raise AirflowFailException(f"'concurrency' must be an integer from 1 to {MAX_CONCURRENCY}, got {concurrency!r}")
    mode = params.get("mode", "missing")
    if mode not in MODES:
        raise AirflowFailException(f"'mode' must be one of {', '.join(MODES)}, got {mode!r}")
    dry_run = params.get("dry_run", False)
    if not isinstance(dry_run, bool):
        raise AirflowFailException(f"'dry_run' must be true or false, got {dry_run!r}")
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "mode": mode,
        "concurrency": concurrency,
        "dryRun": dry_run,
    }


with DAG(
    dag_id="user_analytics_backfill",
    schedule=None,
    start_date=datetime(2026, 11, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    tags=[*TAGS, "user-analytics-daily", PIPELINE],
    params={
        "from": Param(type="string", format="date", title="From (inclusive, YYYY-MM-DD)", examples=["2026-11-01"]),
        "to": Param(type="string", format="date", title="To (inclusive, YYYY-MM-DD)", examples=["2026-11-30"]),
        "mode": Param(
            "missing",
            type="string",
            enum=list(MODES),
            title="Which days",
            description="missing: days never run; failed: days whose last run failed; all: every day (completed "
            "days run again as a new run of the same workflow id).",
        ),
        "concurrency": Param(
            2,
            type="integer",
            minimum=1,
            maximum=MAX_CONCURRENCY,
            title="Days processed in parallel",
            description="Bounded so a backfill cannot starve the daily run of the source DB and warehouse.",
        ),
        "dry_run": Param(False, type="boolean", title="Dry run", description="Only list the days that would run."),
    },
    doc_md=pipeline_doc(
        PIPELINE,
        WORKFLOW_TYPE,
        TASK_QUEUE,
        f"Trigger with `from`, `to` (at most {MAX_RANGE_DAYS} days), `mode` (missing, failed or all), `concurrency` "
        f"(1 to {MAX_CONCURRENCY}) and `dry_run`. Each trigger is its own Temporal run (the id includes the DAG run "
        "id); each day runs as `user-analytics-daily:<day>`, so a backfilled day never races its scheduled run. "
        "Progress (days done, running, failed, remaining, ETA) is in the run's current details in the Temporal UI; "
        "the `pause` and `resume` signals hold back new days.",
    ),
) as dag:

    @task(retries=0)
    def validate(params: dict[str, Any] | None = None) -> dict[str, Any]:
        return validate_range(params or {})

    StartTemporalWorkflowOperator(
        task_id="run_user_analytics_backfill",
        workflow_type=WORKFLOW_TYPE,
        task_queue=TASK_QUEUE,
        workflow_id=f"{PIPELINE}:{{{{ params['from'] }}}}..{{{{ params['to'] }}}}:{{{{ run_id }}}}",
        arguments=[validate()],
        pipeline=PIPELINE,
    )
