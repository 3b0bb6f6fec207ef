"""PII rule of fact_user_activities.metadata: "the transform drops keys known to hold personal data".

Activity metadata is free-form jsonb written by product code, so a new feature can start logging an email or a
name at any time. Keys are matched case-insensitively, at every nesting level (objects inside objects and arrays):
a key is dropped when it is one of PII_KEYS or ends with one of PII_KEY_SUFFIXES (`candidate_email`, `file_name`).
Counters such as `recipients` or `results` are kept. Text that is not a JSON object becomes NULL: what cannot be
parsed cannot be shown to be free of personal data.
"""

from __future__ import annotations

import json
from typing import Any

from pyspark.sql import Column
from pyspark.sql import functions as F
from pyspark.sql import types as T

PII_KEYS: frozenset[str] = frozenset(
    {
        "email",
        "phone",
        "phone_number",
        "mobile",
        "name",
        "full_name",
        "first_name",
        "last_name",
        "display_name",
        "username",
        "ip",
        "ip_address",
        "address",
        "postal_code",
        "zip_code",
        "date_of_birth",
        "dob",
        "ssn",
        "national_id",
        "passport_number",
        "linkedin_url",
        "resume_url",
        "user_agent",
        "password",
    }
)
PII_KEY_SUFFIXES: tuple[str, ...] = ("_email", "_phone", "_name", "_address", "_ip")

# A cheap JVM-side pre-filter: every key the Python scrubber would drop contains one of these words (lower-cased),
# and JSON escapes (\u0065mail) are sent to Python too. Rows that match nothing and are valid JSON objects keep
# their text byte for byte, so the Python UDF only runs for the few rows that may need it.
_SUSPECT_WORDS: tuple[str, ...] = (
    "address", "agent", "birth", "dob", "email", "ip", "linkedin", "mobile", "name", "national", "passport",
    "password", "phone", "postal", "resume", "ssn", "zip",
)  # fmt: skip
SUSPECT_PATTERN = "(" + "|".join(_SUSPECT_WORDS) + r"|\\u)"


def is_pii_key(key: str) -> bool:
    """Whether a metadata key names personal data."""
    k = key.lower()
    return k in PII_KEYS or k.endswith(PII_KEY_SUFFIXES)


def _scrub(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items() if not is_pii_key(k)}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


def scrub_json(text: str | None) -> str | None:
    """The metadata JSON without personal-data keys (compact JSON, key order kept); NULL if not a JSON object."""
    if text is None:
        return None
    try:
        parsed = json.loads(text)
    except ValueError:
        return None
    if not isinstance(parsed, dict):
        return None
    return json.dumps(_scrub(parsed), ensure_ascii=False, separators=(",", ":"))


_scrub_udf = F.udf(scrub_json, T.StringType())


def scrub_metadata(column: str) -> Column:
    """Column expression equal to `scrub_json(column)`, parsing JSON in Python only for rows the pre-filter flags.

    Spark evaluates a Python UDF for every row of its input whatever CASE branch it sits in (the UDF is pulled out
    of the expression into a batch evaluation of its own), so the UDF is handed the text only where the pre-filter
    flags it and NULL elsewhere: clean rows then cost a pickled None each, not a JSON parse and a re-serialisation.
    """
    c = F.col(column)
    keep = c.isNull() | (~F.lower(c).rlike(SUSPECT_PATTERN) & F.json_object_keys(c).isNotNull())
    return F.when(keep, c).otherwise(_scrub_udf(F.when(~keep, c)))
