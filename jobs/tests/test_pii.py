"""PII rule of fact_user_activities.metadata: personal-data keys are dropped at every level, the rest kept."""

from __future__ import annotations

import pytest
from pyspark.sql import SparkSession

from jobs.tests.helpers import DAY, raw, utc
from jobs.transform import facts
from jobs.transform.pii import is_pii_key, scrub_json


@pytest.mark.parametrize(
    "key", ["email", "Email", "recipient_email", "phone", "full_name", "candidate_name", "file_name", "ip", "client_ip"]
)
def test_personal_keys(key: str) -> None:
    assert is_pii_key(key)


@pytest.mark.parametrize("key", ["recipients", "results", "filters", "entity_id", "client", "rows", "ipsum"])
def test_keys_kept(key: str) -> None:
    assert not is_pii_key(key)


def test_scrub_json_drops_nested_keys_and_keeps_order() -> None:
    text = '{"rows": 3, "Email": "a@b.c", "to": {"candidate_name": "Ann", "id": 7}, "list": [{"phone": "1", "n": 2}]}'
    assert scrub_json(text) == '{"rows":3,"to":{"id":7},"list":[{"n":2}]}'


@pytest.mark.parametrize("text", ["not json", "[1, 2]", '"a string"', ""])
def test_scrub_json_refuses_what_it_cannot_check(text: str) -> None:
    assert scrub_json(text) is None


def test_metadata_in_the_fact(spark: SparkSession) -> None:
    metadata = [
        '{"entity_id": 123456, "client": "desktop"}',  # clean: kept byte for byte (jsonb spacing included)
        '{"recipients":2,"recipient_email":"x@y.test","recipient_name":"X"}',
        '{"results":5,"query":{"first_name":"Ann","filters":2}}',
        '{"em\\u0061il":"escaped@key.test","rows":1}',  # an escaped key name is still an email
        "[1,2,3]",  # not an object
        None,
    ]
    events = raw(
        spark,
        "activity_events",
        [(i, 1, 1, None, "f", "a", m, utc("12:00")) for i, m in enumerate(metadata)],
    )
    got: dict[str, str | None] = dict(facts.user_activities(events, DAY).select("event_id", "metadata").collect())
    assert got == {
        "0": '{"entity_id": 123456, "client": "desktop"}',
        "1": '{"recipients":2}',
        "2": '{"results":5,"query":{"filters":2}}',
        "3": '{"rows":1}',
        "4": None,
        "5": None,
    }
