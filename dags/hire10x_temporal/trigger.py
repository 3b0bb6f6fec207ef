"""Deferrable half of StartTemporalWorkflowOperator: awaits a workflow's outcome on the triggerer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from hire10x_temporal.settings import DEFAULT_CONN_ID, aload_settings


class TemporalWorkflowTrigger(BaseTrigger):
    """Fires one event when the workflow run (and any continue-as-new successors) closes.

    The client is created inside ``run`` on the triggerer's event loop; only ids and the conn id are persisted,
    never credentials.
    """

    def __init__(
        self,
        *,
        workflow_id: str,
        run_id: str | None,
        temporal_conn_id: str = DEFAULT_CONN_ID,
        poll_interval: float = 60.0,
    ) -> None:
        super().__init__()
        self.workflow_id = workflow_id
        self.run_id = run_id
        self.temporal_conn_id = temporal_conn_id
        self.poll_interval = poll_interval

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "workflow_id": self.workflow_id,
                "run_id": self.run_id,
                "temporal_conn_id": self.temporal_conn_id,
                "poll_interval": self.poll_interval,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        from hire10x_temporal.outcome import await_outcome

        base = {"workflow_id": self.workflow_id, "run_id": self.run_id}
        try:
            settings = await aload_settings(self.temporal_conn_id)
            url = settings.workflow_url(self.workflow_id, self.run_id)
            client = await settings.connect(identity="airflow-triggerer")
        except Exception as err:
            yield TriggerEvent({**base, "status": "error", "message": f"{type(err).__name__}: {err}"})
            return
        self.log.info("Waiting for Temporal workflow %s: %s", self.workflow_id, url)
        outcome = await await_outcome(
            client, self.workflow_id, self.run_id, poll_interval=self.poll_interval, log=self.log, url=url
        )
        yield TriggerEvent({**base, "url": url, **outcome})
