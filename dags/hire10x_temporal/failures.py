"""Turns a Temporal workflow failure into the message an engineer needs in the Airflow task log.

temporalio is imported inside functions: DAG files import this package, and parsing must stay fast.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class WorkflowFailure:
    """Why a workflow did not complete: JSON-friendly, because it travels in a TriggerEvent."""

    message: str
    failure_type: str | None = None
    non_retryable: bool = False
    chain: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WorkflowFailure:
        return cls(
            message=str(data.get("message") or "workflow failed"),
            failure_type=data.get("failure_type"),
            non_retryable=bool(data.get("non_retryable")),
            chain=str(data.get("chain") or ""),
        )


def describe_failure(err: BaseException) -> WorkflowFailure:
    """Walks the cause chain (WorkflowFailureError -> ActivityError -> ApplicationError ...).

    The message is the first ApplicationError's: what the workflow (or the activity whose failure it let through)
    said, e.g. ``platformHealthCheck input: dependencies.0: Invalid option``. Timeouts, terminations and
    cancellations have no ApplicationError; their own message is used.
    """
    from temporalio.exceptions import ApplicationError

    chain: list[BaseException] = []
    current: BaseException | None = err
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__
    app = next((e for e in chain if isinstance(e, ApplicationError)), None)
    messages = [_message(e) for e in chain if _message(e)]
    if app is not None:
        return WorkflowFailure(
            message=app.message or str(app),
            failure_type=app.type,
            non_retryable=app.non_retryable,
            chain=" <- ".join(messages),
        )
    innermost = chain[-1]
    failure_type = type(innermost).__name__
    return WorkflowFailure(
        message=messages[-1] if messages else failure_type,
        failure_type=failure_type,
        # A terminated or timed-out workflow failed for a reason outside the workflow; retrying the task starts a new
        # run (ALLOW_DUPLICATE_FAILED_ONLY), which is what an operator who cleared the task wants.
        non_retryable=False,
        chain=" <- ".join(messages),
    )


def _message(err: BaseException) -> str:
    from temporalio.exceptions import FailureError

    if isinstance(err, FailureError):
        return err.message
    return str(err)
