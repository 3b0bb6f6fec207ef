"""The Python payload codec (hire10x_temporal.codec) on its own, against the TypeScript codec in both directions
(tests/ts_codec.ts runs security/codec.ts), and through Temporal with the project's TypeScript worker."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import secrets
import stat
import subprocess
import uuid
from pathlib import Path

import pytest
from hire10x_temporal.codec import (
    ENCRYPTED_ENCODING,
    KEY_ID_METADATA,
    AesGcmPayloadCodec,
    CodecKeyError,
    load_codec_keys,
    local_key_file,
    parse_codec_keys,
)
from hire10x_temporal.converter import build_data_converter
from hire10x_temporal.settings import TemporalSettings
from platform_env import NAMESPACE, ROOT, TEST_ENV
from temporalio.api.common.v1 import Payload
from temporalio.converter import default as default_converter

K1 = base64.b64encode(secrets.token_bytes(32)).decode()
K2 = base64.b64encode(secrets.token_bytes(32)).decode()
MARKER = f"jane.doe+{uuid.uuid4()}@example.com"


def _payloads() -> list[Payload]:
    values = [{"email": MARKER, "n": 1}, None, "", [1, 2, 3], "ünïcødé"]
    return list(default_converter().payload_converter.to_payloads(values)) + [
        Payload(metadata={"encoding": b"binary/plain"}, data=bytes([0, 1, 2, 255]))
    ]


def _codec(keys: str) -> AesGcmPayloadCodec:
    return AesGcmPayloadCodec(parse_codec_keys(keys))


def _run(coro):
    return asyncio.run(coro)


def _wire(payload: Payload) -> dict:
    """The codec-server JSON form (security/codec-http.ts)."""
    return {
        "metadata": {k: base64.b64encode(v).decode() for k, v in payload.metadata.items()},
        "data": base64.b64encode(payload.data).decode(),
    }


def _unwire(obj: dict) -> Payload:
    return Payload(
        metadata={k: base64.b64decode(v) for k, v in obj["metadata"].items()}, data=base64.b64decode(obj["data"])
    )


def _ts(jobs: list[dict]) -> list[dict]:
    """Runs jobs through the TypeScript codec (one tsx process for the whole list)."""
    result = subprocess.run(
        [str(ROOT / "node_modules" / ".bin" / "tsx"), "dags/tests/ts_codec.ts"],
        cwd=ROOT,
        input=json.dumps(jobs),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"ts_codec failed:\n{result.stderr[-3000:]}"
    return json.loads(result.stdout)


# --- the Python codec alone -----------------------------------------------------------------------------------


def test_round_trip_stores_only_ciphertext():
    codec = _codec(f"k1:{K1}")
    encoded = _run(codec.encode(_payloads()))
    for payload in encoded:
        assert dict(payload.metadata) == {"encoding": ENCRYPTED_ENCODING, KEY_ID_METADATA: b"k1"}
        assert MARKER.encode() not in payload.data
    assert len(encoded[0].data) == 12 + len(_payloads()[0].SerializeToString()) + 16
    assert encoded[0].data[:12] != _run(codec.encode(_payloads()[:1]))[0].data[:12]  # fresh nonce
    assert _run(codec.decode(encoded)) == _payloads()


def test_plaintext_payloads_pass_through_decode():
    assert _run(_codec(f"k1:{K1}").decode(_payloads())) == _payloads()


@pytest.mark.parametrize("index", [0, 20, -1], ids=["nonce", "ciphertext", "tag"])
def test_tampered_payload_is_rejected(index):
    codec = _codec(f"k1:{K1}")
    [encoded] = _run(codec.encode(_payloads()[:1]))
    data = bytearray(encoded.data)
    data[index] ^= 1
    tampered = Payload(metadata=encoded.metadata, data=bytes(data))
    with pytest.raises(ValueError, match="cannot decrypt payload with key id k1: authentication failed"):
        _run(codec.decode([tampered]))


def test_unknown_key_id_is_named_never_the_key():
    [encoded] = _run(_codec(f"old-key:{K2}").encode(_payloads()[:1]))
    with pytest.raises(ValueError) as info:
        _run(_codec(f"k1:{K1}").decode([encoded]))
    assert 'key id "old-key", which is not among the configured keys (k1)' in str(info.value)
    assert K1 not in str(info.value) and K2 not in str(info.value)


def test_rotation_first_key_encrypts_every_key_decrypts():
    before, after = _codec(f"k1:{K1}"), _codec(f"k2:{K2},k1:{K1}")
    assert after.encryption_key_id == "k2" and after.key_ids == ["k2", "k1"]
    assert _run(after.decode(_run(before.encode(_payloads())))) == _payloads()
    fresh = _run(after.encode(_payloads()))
    assert fresh[0].metadata[KEY_ID_METADATA] == b"k2"
    with pytest.raises(ValueError, match='key id "k2"'):
        _run(before.decode(fresh))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (f"k1:{base64.b64encode(bytes(16)).decode()}", "entry 1: key k1: must be 32 bytes (AES-256), got 16"),
        (f"k1:{K1},k1:{K2}", "duplicate key id k1"),
        (f"k/1:{K1}", 'entry 1: key id "k/1" must be 1-64 characters'),
        (K1, "entry 1: expected keyId:base64Key"),
        (f"k1:{K1[:20]}!!{K1[22:]}", "entry 1: key k1: the key is not valid base64"),
        (" , ", "no keys"),
    ],
    ids=["length", "duplicate", "id-chars", "no-colon", "base64", "empty"],
)
def test_key_parsing_errors(text, message):
    with pytest.raises(CodecKeyError) as info:
        parse_codec_keys(text)
    assert str(info.value).startswith("PAYLOAD_CODEC_KEYS is invalid: ")
    assert message in str(info.value)
    assert K1 not in str(info.value) and K2 not in str(info.value) and K1[:20] not in str(info.value)


def test_key_sources_in_order(tmp_path):
    assert [k.id for k in load_codec_keys({"PAYLOAD_CODEC_KEYS": f"env:{K1}"}, configured=f"conn:{K2}")] == ["conn"]
    assert [k.id for k in load_codec_keys({"PAYLOAD_CODEC_KEYS": f"env:{K1}"})] == ["env"]
    env = {"SECRETS_DIR": str(tmp_path / "s")}
    first = load_codec_keys(env)
    file = tmp_path / "s" / "payload-codec.keys"
    assert local_key_file(env) == file
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert first[0].id.startswith("k") and len(first[0].id) == 9
    assert load_codec_keys(env) == first  # created once, then read
    expected = ROOT / ".data" / "x" / "secrets" / "payload-codec.keys"
    assert local_key_file({"ANALYTICS_DATA_DIR": ".data/x"}) == expected
    with pytest.raises(CodecKeyError, match="PAYLOAD_CODEC_KEYS is required .*PLATFORM=gcp"):
        load_codec_keys({"PLATFORM": "gcp"})


def test_connection_extra_carries_the_keys_and_never_prints_them():
    class Conn:
        conn_id, host, port, password = "temporal_default", "127.0.0.1", 7233, None
        extra_dejson = {"payload_codec_keys": f"conn:{K1}"}

    settings = TemporalSettings.from_connection(Conn())
    assert settings.payload_codec_keys == f"conn:{K1}"
    assert K1 not in repr(settings)
    converter = build_data_converter(settings, environ={})
    assert isinstance(converter.payload_codec, AesGcmPayloadCodec)
    assert converter.payload_codec.encryption_key_id == "conn"
    assert K1 not in repr(converter.payload_codec.__dict__)


# --- TypeScript <-> Python -------------------------------------------------------------------------------------


def test_typescript_and_python_codecs_read_each_other_with_rotation_and_the_local_key_file(tmp_path):
    secrets_env = {"PLATFORM": "local", "SECRETS_DIR": str(tmp_path / "secrets")}
    originals = [_wire(p) for p in _payloads()]
    # 1. TypeScript encrypts with the old key, and with the local key file it creates.
    by_ts_old, by_ts_local = _ts(
        [
            {"operation": "encode", "keys": f"old:{K1}", "payloads": originals},
            {"operation": "encode", "env": secrets_env, "payloads": originals},
        ]
    )
    assert "error" not in by_ts_old and "error" not in by_ts_local
    ts_old = [_unwire(p) for p in by_ts_old["payloads"]]
    assert all(p.metadata[KEY_ID_METADATA] == b"old" for p in ts_old)
    # 2. Python reads both: after rotation (new key first, old key kept) and from the same local key file.
    rotated = _codec(f"new:{K2},old:{K1}")
    assert _run(rotated.decode(ts_old)) == _payloads()
    local = AesGcmPayloadCodec(load_codec_keys(secrets_env))
    assert _run(local.decode([_unwire(p) for p in by_ts_local["payloads"]])) == _payloads()
    # 3. Python encrypts (new key; local key); TypeScript reads both, rotated; the old-only config cannot.
    by_py_new = [_wire(p) for p in _run(rotated.encode(_payloads()))]
    by_py_local = [_wire(p) for p in _run(local.encode(_payloads()))]
    assert all(base64.b64decode(p["metadata"][KEY_ID_METADATA]) == b"new" for p in by_py_new)
    decoded_new, decoded_local, old_only, *parsed = _ts(
        [
            {"operation": "decode", "keys": f"new:{K2},old:{K1}", "payloads": by_py_new},
            {"operation": "decode", "env": secrets_env, "payloads": by_py_local},
            {"operation": "decode", "keys": f"old:{K1}", "payloads": by_py_new},
            {"operation": "parse", "keys": f"k1:{base64.b64encode(bytes(16)).decode()},k1:{K1}"},
            {"operation": "parse", "keys": f"a:{K1},b/c:{K2}"},
        ]
    )
    assert [_unwire(p) for p in decoded_new["payloads"]] == _payloads()
    assert [_unwire(p) for p in decoded_local["payloads"]] == _payloads()
    assert 'key id "new", which is not among the configured keys (old)' in old_only["error"]
    # Both languages report key problems with the same words.
    for ts_result, text in zip(
        parsed, [f"k1:{base64.b64encode(bytes(16)).decode()},k1:{K1}", f"a:{K1},b/c:{K2}"], strict=True
    ):
        with pytest.raises(CodecKeyError) as info:
            parse_codec_keys(text)
        assert ts_result["error"] == str(info.value)


def test_workflow_through_the_typescript_worker_rests_encrypted(ts_worker):
    """Python starts a workflow with a personal-looking input; the TS worker decrypts it, fails the run with an
    encoded failure; Python reads the message back, and a client without the codec sees only ciphertext."""
    from temporalio.client import Client, WorkflowFailureError

    workflow_id = f"codec-py:{uuid.uuid4()}"

    async def main():
        client = await Client.connect(
            TEST_ENV["TEMPORAL_ADDRESS"], namespace=NAMESPACE, data_converter=build_data_converter()
        )
        handle = await client.start_workflow(
            "platformHealthCheck", {"dependencies": ["temporal", MARKER]}, id=workflow_id, task_queue=ts_worker
        )
        with pytest.raises(WorkflowFailureError) as info:
            await handle.result()
        raw = await Client.connect(TEST_ENV["TEMPORAL_ADDRESS"], namespace=NAMESPACE)
        history = await raw.get_workflow_handle(workflow_id).fetch_history()
        return info.value, history

    failure, history = _run(main())
    assert "platformHealthCheck input: dependencies.1" in str(failure.cause)
    stored = history.to_json()
    assert MARKER not in stored and "dependencies.1" not in stored
    started = history.events[0].workflow_execution_started_event_attributes
    assert started.input.payloads[0].metadata["encoding"] == ENCRYPTED_ENCODING
    key_file = local_key_file(os.environ)
    assert Path(key_file).is_file()  # the session's shared key file (conftest sets SECRETS_DIR)
