"""One local Spark session for the whole jobs suite: starting a JVM costs seconds, every test after it milliseconds.

The process runs in UTC (TZ and the JVM's user.timezone), so timestamps collected back into Python (naive datetimes
in the local zone) read as UTC wall time and the expected rows can be written as plain naive datetimes.
"""

from __future__ import annotations

import glob
import os
import sys
import time
from collections.abc import Iterator

import pytest

os.environ["TZ"] = "UTC"
time.tzset()
if not os.environ.get("JAVA_HOME"):
    # Spark 3.5 needs Java 17; newer JDKs on the same image would fail at startup.
    homes = sorted(h for h in glob.glob("/usr/lib/jvm/*17*") if os.path.isfile(os.path.join(h, "bin", "java")))
    if homes:
        os.environ["JAVA_HOME"] = homes[0]
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
# Spark otherwise resolves the host name, which is slow or wrong in containers and sandboxes.
os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")

from pyspark.sql import SparkSession  # noqa: E402


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparkSession]:
    """The suite's SparkSession: local[2], 2 shuffle partitions, UTC, no UI, small driver."""
    scratch = tmp_path_factory.mktemp("spark")
    session = (
        SparkSession.builder.master("local[2]")
        .appName("jobs-tests")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", "1g")
        .config("spark.sql.warehouse.dir", str(scratch / "warehouse"))
        .config("spark.driver.extraJavaOptions", f"-Duser.timezone=UTC -Dderby.system.home={scratch}")
        # Tiny data: compiling generated code and re-planning adaptive stages cost more than they save.
        .config("spark.sql.codegen.wholeStage", "false")
        .config("spark.sql.adaptive.enabled", "false")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
