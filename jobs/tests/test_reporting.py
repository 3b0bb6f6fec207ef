"""Session-duration and API-performance reports on fixtures whose figures were computed by hand.

Percentiles are exact with linear interpolation: for sorted values v[0..n-1], p -> v[k] + f * (v[k+1] - v[k]) with
k + f = p * (n - 1).
"""

from __future__ import annotations

import datetime as _dt

from pyspark.sql import SparkSession

from jobs.tests.helpers import DAY, assert_rows, conformed, raw, utc
from jobs.transform import facts, reporting


def test_api_performance_percentiles_and_error_rates(spark: SparkSession) -> None:
    requests = raw(
        spark,
        "api_requests",
        [
            # GET /a: durations 10 20 30 40 1000; one 404, two 5xx; three tenants
            (1, 1, 10, "/a", "GET", 200, 10, utc("09:00")),
            (2, 1, 10, "/a", "GET", 200, 1000, utc("09:01")),
            (3, 2, 20, "/a", "GET", 404, 30, utc("09:02")),
            (4, 2, None, "/a", "GET", 500, 40, utc("09:03")),
            (5, 3, 30, "/a", "GET", 503, 20, utc("09:04")),
            # POST /a: a single request
            (6, 1, 10, "/a", "POST", 201, 250, utc("09:05")),
            # GET /b: only client errors, which do not count towards the error rate
            *[(7 + i, 1, 10, "/b", "GET", 429, 100, utc("09:06")) for i in range(4)],
            # the previous day's request is not in this day's facts
            (20, 1, 10, "/a", "GET", 500, 99999, utc("2026-11-26 12:00")),
        ],
    )
    fact = conformed(facts.api_requests(requests, DAY), "fact_api_requests")
    assert_rows(
        conformed(reporting.api_performance_daily(fact, DAY), "rpt_api_performance_daily"),
        [
            # p50: k=2 -> 30; p95: 3.8 -> 40 + 0.8 * 960 = 808; p99: 3.96 -> 40 + 0.96 * 960 = 961.6
            (DAY, "/a", "GET", 5, 2, 1, 0.4, 220.0, 30.0, 808.0, 961.6, 1000.0, 3),
            (DAY, "/a", "POST", 1, 0, 0, 0.0, 250.0, 250.0, 250.0, 250.0, 250.0, 1),
            (DAY, "/b", "GET", 4, 0, 4, 0.0, 100.0, 100.0, 100.0, 100.0, 100.0, 1),
        ],
    )


def test_session_duration_over_completed_sessions(spark: SparkSession) -> None:
    start = utc("10:00")

    def ends(seconds: int) -> _dt.datetime:
        return start + _dt.timedelta(seconds=seconds)

    sessions = raw(
        spark,
        "sessions",
        [
            (1, 10, 1, start, ends(60), None, None, "desktop"),
            (2, 10, 1, start, ends(120), None, None, "desktop"),
            (3, 11, 1, start, ends(600), None, None, "desktop"),
            (4, 12, 1, start, None, None, None, "desktop"),  # open: not a completed session
            (5, 13, 1, start, None, None, None, "mobile"),  # the only mobile session is open
            (6, 20, 2, start, ends(45), None, None, None),  # no device: 'unknown'
        ],
    )
    empty_activity = raw(spark, "activity_events", [])
    fact = conformed(facts.session_metrics(sessions, empty_activity, DAY), "fact_session_metrics")
    assert_rows(
        conformed(reporting.session_duration_daily(fact, DAY), "rpt_session_duration_daily"),
        [
            # durations 60 120 600: mean 260, median 120, p95 k=1.9 -> 120 + 0.9 * 480 = 552
            (DAY, "1", "desktop", 3, 2, 780, 260.0, 120.0, 552.0),
            (DAY, "1", "mobile", 0, 0, 0, None, None, None),
            (DAY, "2", "unknown", 1, 1, 45, 45.0, 45.0, 45.0),
        ],
    )
