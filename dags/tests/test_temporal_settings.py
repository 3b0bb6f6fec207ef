"""Connection settings, UI links and failure descriptions: no server needed."""

from __future__ import annotations

import pytest
from hire10x_temporal.failures import WorkflowFailure, describe_failure
from hire10x_temporal.pipelines import pipeline_runs_url
from hire10x_temporal.settings import TemporalSettings


def _connection(**fields):
    from airflow.sdk import Connection

    return Connection(conn_id="temporal_test", conn_type="generic", **fields)


def test_plain_connection_defaults():
    settings = TemporalSettings.from_connection(_connection(host="temporal.internal"))
    assert settings.target == "temporal.internal:7233"
    assert settings.namespace == "default"
    assert settings.ui_url == "http://temporal.internal:8233"
    assert settings.tls is False


def test_connection_from_the_documented_env_uri():
    from airflow.sdk import Connection

    conn = Connection.from_json(
        '{"conn_type": "generic", "host": "127.0.0.1", "port": 7233, "extra": {"namespace": "analytics", '
        '"ui_url": "https://temporal.example.com/"}}',
        conn_id="temporal_default",
    )
    settings = TemporalSettings.from_connection(conn)
    assert (settings.target, settings.namespace, settings.ui_url) == (
        "127.0.0.1:7233",
        "analytics",
        "https://temporal.example.com",
    )


def test_connection_from_the_documented_uri_form():
    from airflow.sdk import Connection

    conn = Connection.from_uri(
        "generic://127.0.0.1:7233?namespace=default&ui_url=http%3A%2F%2F127.0.0.1%3A8233", conn_id="temporal_default"
    )
    settings = TemporalSettings.from_connection(conn)
    assert (settings.target, settings.namespace, settings.ui_url) == (
        "127.0.0.1:7233",
        "default",
        "http://127.0.0.1:8233",
    )


def test_mtls_and_api_key_turn_tls_on_and_are_never_printed():
    mtls = TemporalSettings.from_connection(
        _connection(
            host="ns.acct.tmprl.cloud",
            port=7233,
            extra='{"namespace": "ns.acct", "tls_client_cert": "CERT", "tls_client_key": "SECRET-KEY"}',
        )
    )
    assert mtls.tls and mtls.client_cert == "CERT" and mtls.client_key == "SECRET-KEY"
    assert "SECRET" not in repr(mtls)

    cloud = TemporalSettings.from_connection(
        _connection(host="us-east1.gcp.api.temporal.io:7233", password="SECRET-API-KEY", extra='{"namespace": "ns"}')
    )
    assert cloud.target == "us-east1.gcp.api.temporal.io:7233"
    assert cloud.tls and cloud.api_key == "SECRET-API-KEY"
    assert cloud.ui_url == "https://cloud.temporal.io"
    assert "SECRET" not in repr(cloud)


def test_half_a_client_certificate_is_rejected():
    with pytest.raises(ValueError, match="both tls_client_cert and tls_client_key"):
        TemporalSettings.from_connection(_connection(host="h", extra='{"tls_client_cert": "CERT"}'))


def test_workflow_url_matches_the_typescript_cli():
    settings = TemporalSettings(target="127.0.0.1:7233", ui_url="http://127.0.0.1:8233")
    assert settings.workflow_url("user-analytics-daily:2026-11-27", "run-1") == (
        "http://127.0.0.1:8233/namespaces/default/workflows/user-analytics-daily%3A2026-11-27/run-1/history"
    )


def test_pipeline_runs_url_filters_by_search_attribute(monkeypatch):
    monkeypatch.setenv("TEMPORAL_UI_URL", "https://temporal.example.com/")
    assert pipeline_runs_url("user-analytics-daily") == (
        "https://temporal.example.com/namespaces/default/workflows?query=Pipeline%3D%22user-analytics-daily%22"
    )


def test_describe_failure_unwraps_to_the_application_error():
    from temporalio.client import WorkflowFailureError
    from temporalio.exceptions import ActivityError, ApplicationError, RetryState, TimeoutError, TimeoutType

    app = ApplicationError("source database refused the connection", type="SourceUnavailable", non_retryable=False)
    activity = ActivityError(
        "Activity task failed",
        scheduled_event_id=5,
        started_event_id=6,
        identity="worker",
        activity_type="extractTable",
        activity_id="1",
        retry_state=RetryState.MAXIMUM_ATTEMPTS_REACHED,
    )
    activity.__cause__ = app
    failure = describe_failure(WorkflowFailureError(cause=activity))
    assert failure.message == "source database refused the connection"
    assert failure.failure_type == "SourceUnavailable"
    assert not failure.non_retryable
    assert "Activity task failed <- source database refused the connection" in failure.chain
    assert WorkflowFailure.from_dict(failure.to_dict()) == failure

    timeout = TimeoutError("Workflow timed out", type=TimeoutType.START_TO_CLOSE, last_heartbeat_details=[])
    timed_out = describe_failure(WorkflowFailureError(cause=timeout))
    assert (timed_out.message, timed_out.failure_type, timed_out.non_retryable) == (
        "Workflow timed out",
        "TimeoutError",
        False,
    )
