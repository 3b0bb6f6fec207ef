"""AES-256-GCM payload codec, byte-compatible with the TypeScript one (security/codec.ts).

A payload is encrypted whole: the original ``Payload`` protobuf, serialised, is the plaintext, and the stored payload
is ``{metadata: {encoding: "binary/encrypted", "encryption-key-id": <id>}, data: nonce(12) + ciphertext + tag(16)}``
(the format of Temporal's encryption samples). Keys rotate: the first key encrypts, every configured key decrypts.
Payloads that are not ``binary/encrypted`` pass through ``decode`` unchanged.

Keys, in order of precedence (see :func:`load_codec_keys`): the Airflow connection's ``extra.payload_codec_keys``,
the ``PAYLOAD_CODEC_KEYS`` environment variable, then, in a project checkout on ``PLATFORM=local``, the local key
file the TypeScript processes share (``<SECRETS_DIR or ANALYTICS_DATA_DIR/secrets or <repo>/.data/secrets>/
payload-codec.keys``), created once when missing.

Imported only inside ``execute``/``run`` (never at DAG parse time): it imports ``temporalio`` and ``cryptography``.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

ENCRYPTED_ENCODING = b"binary/encrypted"
KEY_ID_METADATA = "encryption-key-id"
LOCAL_KEY_FILE = "payload-codec.keys"
ENV_VAR = "PAYLOAD_CODEC_KEYS"

_NONCE_BYTES = 12
_TAG_BYTES = 16
_KEY_BYTES = 32
_KEY_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_BASE64 = re.compile(r"[A-Za-z0-9+/]+={0,2}")
# dags/hire10x_temporal/codec.py -> the repository root (only meaningful in a checkout, not in a Composer bucket)
_REPO_ROOT = Path(__file__).resolve().parents[2]


class CodecKeyError(ValueError):
    """PAYLOAD_CODEC_KEYS (or the key file) is missing or malformed. The message never contains key material."""


@dataclass(frozen=True)
class CodecKey:
    id: str
    key: bytes = field(repr=False)  # never printed


def parse_codec_keys(text: str, source: str = ENV_VAR) -> list[CodecKey]:
    """Parses ``keyId:base64(32 bytes)[,keyId:base64…]`` (commas or newlines between entries), as the TypeScript
    ``parseCodecKeys`` does, with the same messages."""
    problems: list[str] = []
    keys: list[CodecKey] = []
    entries = [e for e in re.split(r"[\s,]+", text) if e]
    for number, entry in enumerate(entries, start=1):
        key_id, colon, material = entry.partition(":")
        if not colon:
            problems.append(f"entry {number}: expected keyId:base64Key")
        elif not _KEY_ID.fullmatch(key_id):
            quoted = _quote(key_id[:64])
            problems.append(f"entry {number}: key id {quoted} must be 1-64 characters of A-Z a-z 0-9 . _ -")
        else:
            raw = _strict_base64(material)
            if raw is None:
                problems.append(f"entry {number}: key {key_id}: the key is not valid base64")
            elif len(raw) != _KEY_BYTES:
                problems.append(f"entry {number}: key {key_id}: must be {_KEY_BYTES} bytes (AES-256), got {len(raw)}")
            else:
                keys.append(CodecKey(key_id, raw))
    if not entries:
        problems.append("no keys: expected keyId:base64Key[,keyId:base64Key…]")
    seen: set[str] = set()
    for key in keys:
        if key.id in seen:
            problems.append(f"duplicate key id {key.id}")
        seen.add(key.id)
    if problems:
        raise CodecKeyError(f"{source} is invalid: {'; '.join(problems)}")
    return keys


def generate_codec_key_entry(now: datetime | None = None) -> str:
    """A fresh key in the PAYLOAD_CODEC_KEYS format, id ``k<yyyymmdd>`` (UTC)."""
    day = (now or datetime.now(UTC)).strftime("%Y%m%d")
    return f"k{day}:{base64.b64encode(secrets.token_bytes(_KEY_BYTES)).decode()}"


class AesGcmPayloadCodec(PayloadCodec):
    """The project's payload codec (see the module docstring for the format)."""

    def __init__(self, keys: Sequence[CodecKey]) -> None:
        if not keys:
            raise CodecKeyError("AesGcmPayloadCodec needs at least one key")
        self._current = keys[0]
        self._keys = {k.id: AESGCM(k.key) for k in keys}
        if len(self._keys) != len(keys):
            raise CodecKeyError("AesGcmPayloadCodec: key ids must be unique")

    @property
    def encryption_key_id(self) -> str:
        return self._current.id

    @property
    def key_ids(self) -> list[str]:
        return list(self._keys)

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.encrypt(p) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.decrypt(p) for p in payloads]

    def encrypt(self, payload: Payload) -> Payload:
        nonce = secrets.token_bytes(_NONCE_BYTES)
        sealed = self._keys[self._current.id].encrypt(nonce, payload.SerializeToString(), None)
        return Payload(
            metadata={"encoding": ENCRYPTED_ENCODING, KEY_ID_METADATA: self._current.id.encode()},
            data=nonce + sealed,
        )

    def decrypt(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCRYPTED_ENCODING:
            return payload
        key_id_bytes = payload.metadata.get(KEY_ID_METADATA)
        if not key_id_bytes:
            raise ValueError(f"encrypted payload has no {KEY_ID_METADATA} metadata")
        key_id = key_id_bytes.decode("utf-8", errors="replace")
        aead = self._keys.get(key_id)
        if aead is None:
            raise ValueError(
                f"payload was encrypted with key id {_quote(key_id)}, which is not among the configured keys "
                f"({', '.join(self._keys)}): add it to {ENV_VAR} (after the current key) to read it"
            )
        data = payload.data
        if len(data) < _NONCE_BYTES + _TAG_BYTES:
            raise ValueError(f"encrypted payload (key id {key_id}) is too short: {len(data)} bytes")
        try:
            plaintext = aead.decrypt(data[:_NONCE_BYTES], data[_NONCE_BYTES:], None)
        except InvalidTag:
            raise ValueError(
                f"cannot decrypt payload with key id {key_id}: authentication failed "
                "(tampered data, or another key under the same id)"
            ) from None
        decoded = Payload()
        decoded.ParseFromString(plaintext)
        return decoded


def local_key_file(environ: Mapping[str, str] | None = None) -> Path:
    """Where the TypeScript config puts the local key file: SECRETS_DIR, else ANALYTICS_DATA_DIR/secrets, else
    <repo>/.data/secrets; relative paths are relative to the repository root, as in config/index.ts."""
    env = os.environ if environ is None else environ
    data_dir = _REPO_ROOT / (env.get("ANALYTICS_DATA_DIR") or ".data")
    secrets_dir = _REPO_ROOT / env["SECRETS_DIR"] if env.get("SECRETS_DIR") else data_dir / "secrets"
    return (secrets_dir / LOCAL_KEY_FILE).resolve()


def load_codec_keys(environ: Mapping[str, str] | None = None, configured: str | None = None) -> list[CodecKey]:
    """The keys of this deployment.

    ``configured`` (the connection's ``extra.payload_codec_keys``) wins, then ``PAYLOAD_CODEC_KEYS``. Otherwise the
    local key file is used, like ``localSecret`` in security/secrets.ts: only with ``PLATFORM=local`` (the default)
    and only inside a project checkout (``bin/analytics.js`` next to ``dags/``), so a Composer environment without
    keys fails clearly instead of inventing a key its workers do not have. A missing file is created once
    (mode 0600, first writer wins) with one random key.
    """
    env = os.environ if environ is None else environ
    if configured:
        return parse_codec_keys(configured, "the Airflow connection's extra.payload_codec_keys")
    if env.get(ENV_VAR):
        return parse_codec_keys(env[ENV_VAR])
    platform = env.get("PLATFORM") or "local"
    if platform != "local" or not (_REPO_ROOT / "bin" / "analytics.js").is_file():
        raise CodecKeyError(
            f"{ENV_VAR} is required (PLATFORM={platform}, "
            f"{'no project checkout' if platform == 'local' else 'generated key files are for local use'}): "
            "set it, or the Temporal connection's extra.payload_codec_keys, to the TypeScript workers' keys"
        )
    file = local_key_file(env)
    file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as out:
            out.write(generate_codec_key_entry() + "\n")
    text = file.read_text().strip()
    if not text:
        raise CodecKeyError(f"{file} is empty: delete it to generate a new key, or set {ENV_VAR}")
    return parse_codec_keys(text, str(file))


def _strict_base64(text: str) -> bytes | None:
    if not _BASE64.fullmatch(text):
        return None
    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except binascii.Error:
        return None
    if base64.b64encode(raw).decode().rstrip("=") != text.rstrip("="):
        return None
    return raw


def _quote(text: str) -> str:
    """JSON-style double quotes, as the TypeScript messages print ids (JSON.stringify)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
