"""The data converter every Temporal client in this package uses.

One function, so a payload codec (encryption of workflow inputs and results) can be added in one place later:
return ``dataclasses.replace(temporalio.converter.default(), payload_codec=...)``. The TypeScript workers must use
the same codec, or they cannot read what Airflow sends.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import temporalio.converter

if TYPE_CHECKING:
    from hire10x_temporal.settings import TemporalSettings


def build_data_converter(settings: TemporalSettings) -> temporalio.converter.DataConverter:
    """JSON payloads, no codec yet. ``settings`` is there for the codec (its key reference will live in extra)."""
    del settings
    return temporalio.converter.default()
