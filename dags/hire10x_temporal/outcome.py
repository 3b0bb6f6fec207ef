"""Waiting for a workflow's result, shared by the operator (non-deferrable) and the trigger (deferrable)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Protocol

from hire10x_temporal.failures import describe_failure

if TYPE_CHECKING:
    from temporalio.client import Client


class ProgressLog(Protocol):
    """What ``await_outcome`` logs through: a ``logging.Logger`` or Airflow's task/trigger logger (structlog)."""

    def info(self, msg: str, /, *args: Any) -> object: ...


async def await_outcome(
    client: Client,
    workflow_id: str,
    run_id: str | None,
    *,
    poll_interval: float,
    log: ProgressLog,
    url: str,
) -> dict[str, Any]:
    """Long-polls the result (following continue-as-new) and logs every ``poll_interval`` seconds while it runs.

    Returns an event payload: ``{"status": "success", "result": ...}`` or
    ``{"status": "failed", "failure": {...}}`` (the workflow failed) or ``{"status": "error", "message": ...}``
    (Temporal could not be asked).
    """
    from temporalio.client import WorkflowFailureError

    handle = client.get_workflow_handle(workflow_id, run_id=run_id)
    result = asyncio.ensure_future(handle.result(follow_runs=True))
    try:
        while True:
            done, _ = await asyncio.wait({result}, timeout=poll_interval)
            if done:
                break
            log.info("Temporal workflow %s still running: %s", workflow_id, url)
        return {"status": "success", "result": result.result()}
    except WorkflowFailureError as err:
        return {"status": "failed", "failure": describe_failure(err).to_dict()}
    except Exception as err:  # an RPC error, a bad payload: report it instead of crashing the triggerer's loop
        return {"status": "error", "message": f"{type(err).__name__}: {err}"}
    finally:
        if not result.done():
            result.cancel()
