"""Temporal connection settings read from an Airflow Connection, the client factory and Web UI links.

Connection (conn id ``temporal_default`` unless an operator says otherwise), as an environment variable::

    AIRFLOW_CONN_TEMPORAL_DEFAULT='{"conn_type": "generic", "host": "127.0.0.1", "port": 7233,
                                   "extra": {"namespace": "default", "ui_url": "http://127.0.0.1:8233"}}'

- ``host`` / ``port``: the frontend address (port defaults to 7233; ``host`` may also be ``host:port``).
- ``extra.namespace``: defaults to ``default``.
- ``extra.ui_url``: Web UI base for links; defaults to ``https://cloud.temporal.io`` with an API key and to
  ``http://<host>:8233`` (the dev server's UI) otherwise.
- mTLS: ``extra.tls_client_cert`` and ``extra.tls_client_key`` (PEM text); optional ``extra.tls_server_root_ca_cert``
  (PEM) and ``extra.tls_server_name``. ``extra.tls: true`` turns on TLS without a client certificate.
- Temporal Cloud API key: the connection's ``password`` (masked by Airflow) or ``extra.api_key``; implies TLS.
- ``extra.payload_codec_keys``: the payload codec keys (``keyId:base64,…``, the TypeScript workers' PAYLOAD_CODEC_KEYS);
  when absent, the ``PAYLOAD_CODEC_KEYS`` environment variable, then the local key file (hire10x_temporal.codec).
  Every client encrypts payloads with them (converter.build_data_converter).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

if TYPE_CHECKING:
    from temporalio.client import Client

DEFAULT_CONN_ID = "temporal_default"
DEFAULT_PORT = 7233
CONNECT_TIMEOUT = timedelta(seconds=10)


@dataclass(frozen=True)
class TemporalSettings:
    target: str
    namespace: str = "default"
    ui_url: str = "http://127.0.0.1:8233"
    tls: bool = False
    client_cert: str | None = None
    client_key: str | None = None
    server_root_ca_cert: str | None = None
    server_name: str | None = None
    api_key: str | None = None
    payload_codec_keys: str | None = None

    @classmethod
    def from_connection(cls, conn: Any) -> TemporalSettings:
        """Builds settings from an Airflow ``Connection`` (anything with host, port, password, extra_dejson)."""
        extra: dict[str, Any] = dict(conn.extra_dejson or {})
        host = (conn.host or "").strip()
        if not host:
            raise ValueError(f"Airflow connection {conn.conn_id!r} has no host: set it to the Temporal address")
        if "://" in host:
            host = host.split("://", 1)[1]
        if conn.port:
            target = f"{host}:{conn.port}"
        elif ":" in host:
            target = host
        else:
            target = f"{host}:{DEFAULT_PORT}"
        api_key = conn.password or extra.get("api_key") or None
        client_cert = extra.get("tls_client_cert") or None
        client_key = extra.get("tls_client_key") or None
        if bool(client_cert) != bool(client_key):
            raise ValueError(f"Airflow connection {conn.conn_id!r}: set both tls_client_cert and tls_client_key")
        tls = _truthy(extra.get("tls")) or bool(client_cert) or bool(api_key)
        default_ui = "https://cloud.temporal.io" if api_key else f"http://{target.rsplit(':', 1)[0]}:8233"
        codec_keys = str(extra.get("payload_codec_keys") or "").strip() or None
        if codec_keys:
            _mask(codec_keys)
        return cls(
            target=target,
            namespace=extra.get("namespace") or "default",
            ui_url=str(extra.get("ui_url") or default_ui).rstrip("/"),
            tls=tls,
            client_cert=client_cert,
            client_key=client_key,
            server_root_ca_cert=extra.get("tls_server_root_ca_cert") or None,
            server_name=extra.get("tls_server_name") or None,
            api_key=api_key,
            payload_codec_keys=codec_keys,
        )

    def workflow_url(self, workflow_id: str, run_id: str | None = None) -> str:
        """Deep link to one execution in the Web UI (same shape as cli/temporal-client.ts ``workflowUrl``)."""
        base = f"{self.ui_url}/namespaces/{quote(self.namespace, safe='')}/workflows/{quote(workflow_id, safe='')}"
        return f"{base}/{run_id}/history" if run_id else base

    async def connect(self, identity: str | None = None) -> Client:
        """Opens a client. Call it inside the event loop that uses the client (execute's or the trigger's)."""
        from temporalio.client import Client, TLSConfig

        from hire10x_temporal.converter import build_data_converter

        tls: bool | TLSConfig = False
        if self.tls:
            tls = TLSConfig(
                client_cert=self.client_cert.encode() if self.client_cert else None,
                client_private_key=self.client_key.encode() if self.client_key else None,
                server_root_ca_cert=self.server_root_ca_cert.encode() if self.server_root_ca_cert else None,
                domain=self.server_name,
            )
        return await Client.connect(
            self.target,
            namespace=self.namespace,
            api_key=self.api_key,
            tls=tls,
            data_converter=build_data_converter(self),
            connect_timeout=CONNECT_TIMEOUT,
            identity=identity,
        )

    def __repr__(self) -> str:  # never print key material or the API key
        return f"TemporalSettings(target={self.target!r}, namespace={self.namespace!r}, tls={self.tls})"


def _mask(value: str) -> None:
    """Keeps key material out of task logs (Airflow masks only extra fields with 'secret'-like names)."""
    try:
        from airflow.sdk.log import mask_secret
    except ImportError:  # outside Airflow (plain scripts, tests of this module alone)
        return
    mask_secret(value)


def _truthy(value: Any) -> bool:
    return value is True or str(value).strip().lower() in {"1", "true", "yes", "on"}


def load_settings(conn_id: str) -> TemporalSettings:
    """Reads the Airflow connection (secrets backends, env vars, metadata DB) in a task."""
    from airflow.sdk import BaseHook

    return TemporalSettings.from_connection(BaseHook.get_connection(conn_id))


async def aload_settings(conn_id: str) -> TemporalSettings:
    """Same, from async code (the triggerer's event loop must not block on the lookup)."""
    from airflow.sdk import BaseHook

    return TemporalSettings.from_connection(await BaseHook.aget_connection(conn_id))
