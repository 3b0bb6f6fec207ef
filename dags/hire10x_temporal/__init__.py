"""Start Temporal workflows from Airflow: an operator, its deferrable trigger and the Temporal connection settings.

Nothing here connects at import time: the client is created inside ``execute`` or inside the trigger's ``run``, so
DAG parsing stays free of network calls and no client crosses a fork.
"""

from hire10x_temporal.operator import StartTemporalWorkflowOperator
from hire10x_temporal.settings import DEFAULT_CONN_ID, TemporalSettings
from hire10x_temporal.trigger import TemporalWorkflowTrigger

__all__ = ["DEFAULT_CONN_ID", "StartTemporalWorkflowOperator", "TemporalSettings", "TemporalWorkflowTrigger"]
