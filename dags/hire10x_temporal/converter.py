"""The data converter every Temporal client in this package uses: the project's payload codec, as the TypeScript
workers and clients use it (security/data-converter.ts).

- Payloads (workflow inputs, results, failure details) are AES-256-GCM encrypted by
  :class:`hire10x_temporal.codec.AesGcmPayloadCodec`; what the workers send back is decrypted with the same keys.
- Failures use ``DefaultFailureConverterWithEncodedAttributes``: a failure's message and stack trace travel as an
  encoded (so encrypted) payload, which is also how the TypeScript workers send them; reading them needs the codec.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING

import temporalio.converter

if TYPE_CHECKING:
    from hire10x_temporal.settings import TemporalSettings


def build_data_converter(
    settings: TemporalSettings | None = None, environ: Mapping[str, str] | None = None
) -> temporalio.converter.DataConverter:
    """JSON payloads through the project's codec. Keys: ``settings.payload_codec_keys`` (the connection's
    ``extra.payload_codec_keys``), else ``PAYLOAD_CODEC_KEYS``, else the local key file (see ``codec.load_codec_keys``).
    Raises ``CodecKeyError`` (naming what to set, never a key) when there are none."""
    from hire10x_temporal.codec import AesGcmPayloadCodec, load_codec_keys

    keys = load_codec_keys(environ, configured=settings.payload_codec_keys if settings else None)
    return dataclasses.replace(
        temporalio.converter.default(),
        payload_codec=AesGcmPayloadCodec(keys),
        failure_converter_class=temporalio.converter.DefaultFailureConverterWithEncodedAttributes,
    )
