"""What the project's DAGs share: default args and the doc_md that links each DAG to its runs in the Temporal UI.

Read at parse time, so only environment variables (no connection lookup, no network): ``TEMPORAL_UI_URL`` and
``TEMPORAL_NAMESPACE``, set on the Composer environment (``gcloud composer environments update
--update-env-variables``), the same names the TypeScript config uses.
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any
from urllib.parse import quote

OWNER = "data-platform"
TAGS = ["hire10x", "temporal"]


def default_args(**overrides: Any) -> dict[str, Any]:
    """Retries cover Temporal being unreachable or a run that failed for a transient reason; each retry attaches to
    the run it started (or starts a new one only if that run failed), so a retry never duplicates work."""
    return {
        "owner": OWNER,
        "retries": 3,
        "retry_delay": timedelta(minutes=2),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(minutes=30),
        **overrides,
    }


def temporal_ui_url() -> str:
    return os.environ.get("TEMPORAL_UI_URL", "http://127.0.0.1:8233").rstrip("/")


def pipeline_runs_url(pipeline: str) -> str:
    """The Web UI's workflow list filtered by the ``Pipeline`` search attribute."""
    namespace = quote(os.environ.get("TEMPORAL_NAMESPACE", "default"), safe="")
    query = quote(f'Pipeline="{pipeline}"', safe="")
    return f"{temporal_ui_url()}/namespaces/{namespace}/workflows?query={query}"


def pipeline_doc(pipeline: str, workflow_type: str, task_queue: str, summary: str) -> str:
    return f"""\
### {pipeline}

{summary}

This DAG only *starts* the Temporal workflow `{workflow_type}` on task queue `{task_queue}` and waits for it on the
triggerer. The pipeline itself (extract, transform, load, checks) runs and is monitored in Temporal.

- **All runs in the Temporal UI:** [{pipeline}]({pipeline_runs_url(pipeline)})
- **This run:** the task's XComs `temporal_url`, `workflow_id`, `run_id` (also in the task log).
- **Re-running:** clearing the task re-attaches to the workflow if it is running or succeeded; a failed,
  timed-out or terminated workflow is started again. To redo a successful day, trigger `user_analytics_backfill`
  with `mode: all` for that day (or `analytics run daily --date D --rerun`); to re-run a failed day from its failed
  stage after a fix, `analytics run reset --date D --from-stage <stage>` (the stage table in the Temporal UI shows
  each stage's reset point).
"""
