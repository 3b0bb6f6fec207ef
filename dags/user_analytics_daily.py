"""Daily user-analytics pipeline: one Temporal `userAnalyticsDaily` run per UTC day, after the day is complete."""

from __future__ import annotations

from datetime import UTC, datetime

from airflow.sdk import DAG
from airflow.timetables.interval import CronDataIntervalTimetable
from hire10x_temporal import StartTemporalWorkflowOperator
from hire10x_temporal.pipelines import TAGS, default_args, pipeline_doc

PIPELINE = "user-analytics-daily"
WORKFLOW_TYPE = "userAnalyticsDaily"
TASK_QUEUE = "etl"

with DAG(
    dag_id="user_analytics_daily",
    # Interval semantics on purpose: the run at 02:00 UTC on D+1 covers [D 02:00, D+1 02:00) and its
    # data_interval_start is day D, the partition the workflow builds (extraction lag is absorbed by the 2 h).
    schedule=CronDataIntervalTimetable("0 2 * * *", timezone="UTC"),
    start_date=datetime(2026, 11, 1, tzinfo=UTC),
    catchup=True,
    # Catch-up runs overlap at most this much: each is a full Temporal pipeline sharing the source DB and warehouse.
    max_active_runs=3,
    default_args=default_args(),
    tags=[*TAGS, PIPELINE],
    doc_md=pipeline_doc(
        PIPELINE,
        WORKFLOW_TYPE,
        TASK_QUEUE,
        "Extracts the day's User Module data, builds the star schema and loads the warehouse partition for the "
        "DAG run's data interval (`logicalDate` = the day).",
    ),
) as dag:
    StartTemporalWorkflowOperator(
        task_id="run_user_analytics_daily",
        workflow_type=WORKFLOW_TYPE,
        task_queue=TASK_QUEUE,
        workflow_id=f"{PIPELINE}:{{{{ data_interval_start | ds }}}}",
        arguments=[
            {
                "logicalDate": "{{ data_interval_start | ds }}",
                "dataIntervalStart": "{{ data_interval_start | ts }}",
                "dataIntervalEnd": "{{ data_interval_end | ts }}",
            }
        ],
        pipeline=PIPELINE,
        logical_date="{{ data_interval_start | ds }}",
    )
