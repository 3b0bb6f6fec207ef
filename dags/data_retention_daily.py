"""Daily data retention: one Temporal `dataRetention` run per day, as of the run's day (UTC).

The workflow applies schema/retention/policy.ts: raw partitions past their window move to the archive zone,
processed and archived ones and finished runs' scratch are deleted, expired warehouse partitions go, event streams
are trimmed. Dry runs are for people (`analytics retention run --dry-run`); the schedule always runs for real.
"""

from __future__ import annotations

from datetime import UTC, datetime

from airflow.sdk import DAG
from airflow.timetables.trigger import CronTriggerTimetable
from hire10x_temporal import StartTemporalWorkflowOperator
from hire10x_temporal.pipelines import TAGS, default_args, pipeline_doc

PIPELINE = "data-retention"
WORKFLOW_TYPE = "dataRetention"
TASK_QUEUE = "etl"

with DAG(
    dag_id="data_retention_daily",
    # After the analytics run (02:00), so retention never races the day's extract.
    schedule=CronTriggerTimetable("0 4 * * *", timezone="UTC"),
    start_date=datetime(2026, 11, 1, tzinfo=UTC),
    # Retention works "as of" a date and the latest run supersedes missed ones: no catch-up.
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    tags=[*TAGS, PIPELINE],
    doc_md=pipeline_doc(
        PIPELINE,
        WORKFLOW_TYPE,
        TASK_QUEUE,
        "Applies the retention policies as of the run's day: archives raw partitions past their window, deletes "
        "processed and archived partitions, finished runs' scratch and expired warehouse partitions, trims event "
        "streams; records counts and bytes in pipeline_runs and audit_log.",
    ),
) as dag:
    StartTemporalWorkflowOperator(
        task_id="run_data_retention",
        workflow_type=WORKFLOW_TYPE,
        task_queue=TASK_QUEUE,
        workflow_id=f"{PIPELINE}:{{{{ logical_date | ds }}}}",
        # A real run: `dryRun` is spelled out so the DAG never depends on the workflow's default.
        arguments=[{"asOf": "{{ logical_date | ds }}", "dryRun": False}],
        pipeline=PIPELINE,
        logical_date="{{ logical_date | ds }}",
    )
