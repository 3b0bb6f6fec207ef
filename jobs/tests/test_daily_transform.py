"""End to end: raw Parquet in the dt= layout -> daily_transform.main (in-process) -> Parquet per table + summary."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from jobs import daily_transform
from jobs.lib.partitions import partition_path
from jobs.tests.helpers import DAY, assert_rows
from jobs.tests.sample_data import EXPECTED_COUNTS, sample_raw
from jobs.transform.pipeline import PRODUCED_TABLES
from jobs.transform.schemas import load_schema


@pytest.fixture(scope="module")
def raw_root(spark: SparkSession, tmp_path_factory: pytest.TempPathFactory) -> str:
    root = str(tmp_path_factory.mktemp("raw"))
    for table, df in sample_raw(spark).items():
        df.coalesce(1).write.parquet(partition_path(root, table, DAY.isoformat()))
    return root


_PARQUET_TYPES = {
    "string": "binary {} (STRING)",
    "long": "int64 {}",
    "double": "double {}",
    "boolean": "boolean {}",
    "date": "int32 {} (DATE)",
    # Standard microsecond timestamps (not Spark's legacy INT96), instants adjusted to UTC.
    "timestamp": "int64 {} (TIMESTAMP(MICROS,true))",
}


def expected_parquet_fields(table: str) -> list[str]:
    """The Parquet field lines a conforming file has: REQUIRED exactly where the warehouse column is."""
    return [
        f"{'optional' if f.nullable else 'required'} {_PARQUET_TYPES[f.dataType.typeName()].format(f.name)}"
        for f in load_schema(table).fields
    ]


def parquet_fields(spark: SparkSession, directory: str) -> list[str]:
    """Field lines of the Parquet schema of the first data file in `directory`, read from its footer (no job)."""
    part = sorted(p for p in os.listdir(directory) if p.endswith(".parquet"))[0]
    jvm = spark.sparkContext._jvm
    assert jvm is not None, "the SparkContext is stopped"
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    source = jvm.org.apache.parquet.hadoop.util.HadoopInputFile.fromPath(
        jvm.org.apache.hadoop.fs.Path(os.path.join(directory, part)), conf
    )
    reader = jvm.org.apache.parquet.hadoop.ParquetFileReader.open(source)
    try:
        text = reader.getFooter().getFileMetaData().getSchema().toString()
    finally:
        reader.close()
    return [line.strip().rstrip(";") for line in text.splitlines()[1:-1]]


def summary_of(output: str) -> dict[str, object]:
    lines = [line for line in output.splitlines() if line.startswith(daily_transform.SUMMARY_PREFIX)]
    assert len(lines) == 1 and output.rstrip().endswith(lines[0]), "exactly one summary line, printed last"
    return json.loads(lines[0][len(daily_transform.SUMMARY_PREFIX) :])


def run(raw_root: str, out_root: str, *extra: str) -> dict[str, object]:
    return daily_transform.main(
        ["--raw-root", raw_root, "--out-root", out_root, "--date", DAY.isoformat(), "--run-id", "run-1", *extra]
    )


def test_main_writes_every_table_and_prints_the_summary(
    spark: SparkSession, raw_root: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_root = str(tmp_path / "out")
    returned = run(raw_root, out_root)
    printed = summary_of(capsys.readouterr().out)
    assert printed == returned == {"run_id": "run-1", "logical_date": "2026-11-27", "tables": EXPECTED_COUNTS}
    assert list(EXPECTED_COUNTS) == list(PRODUCED_TABLES)
    assert sorted(os.listdir(out_root)) == sorted([*PRODUCED_TABLES, "_SUMMARY.json"])
    assert json.loads(Path(out_root, "_SUMMARY.json").read_text()) == returned
    for table in PRODUCED_TABLES:
        assert parquet_fields(spark, f"{out_root}/{table}") == expected_parquet_fields(table), table
    api = spark.read.parquet(f"{out_root}/rpt_api_performance_daily").where("endpoint = '/api/v1/jobs'")
    # durations 20 40 900 (the previous day's request excluded): p95 k=1.9 -> 40 + 0.9 * 860; p99 -> 40 + 0.98 * 860
    assert_rows(api, [(DAY, "/api/v1/jobs", "GET", 3, 1, 1, 1 / 3, 320.0, 40.0, 814.0, 882.8, 900.0, 2)])
    activity = spark.read.parquet(f"{out_root}/fact_user_activities").where("event_id = '2'")
    assert [r.metadata for r in activity.collect()] == ['{"recipients":2}']


def test_the_timings_line_names_every_table_and_one_at_a_time_writes_the_same_rows(
    spark: SparkSession, raw_root: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    concurrent = str(tmp_path / "concurrent")
    run(raw_root, concurrent)
    lines = [
        line[len(daily_transform.TIMINGS_PREFIX) :]
        for line in capsys.readouterr().out.splitlines()
        if line.startswith(daily_transform.TIMINGS_PREFIX)
    ]
    assert len(lines) == 1
    timings = json.loads(lines[0])
    assert list(timings["tables"]) != [] and sorted(timings["tables"]) == sorted(PRODUCED_TABLES)
    assert timings["concurrency"] == daily_transform.DEFAULT_CONCURRENCY
    assert all(timings[k] >= 0 for k in ("session_start", "read", "tables_wall"))
    spark.conf.set(daily_transform.CONCURRENCY_CONF, "1")
    spark.conf.set(daily_transform.FOOTER_SCHEMAS_CONF, "false")
    try:
        sequential = str(tmp_path / "sequential")
        assert run(raw_root, sequential)["tables"] == EXPECTED_COUNTS
    finally:
        spark.conf.unset(daily_transform.CONCURRENCY_CONF)
        spark.conf.unset(daily_transform.FOOTER_SCHEMAS_CONF)
    assert (
        json.loads(capsys.readouterr().out.splitlines()[-2][len(daily_transform.TIMINGS_PREFIX) :])["concurrency"] == 1
    )
    for table in PRODUCED_TABLES:
        a = spark.read.parquet(f"{concurrent}/{table}")
        b = spark.read.parquet(f"{sequential}/{table}")
        assert a.schema == b.schema and a.exceptAll(b).count() == 0 and b.exceptAll(a).count() == 0, table


def test_footer_schemas_are_what_spark_infers(spark: SparkSession, raw_root: str) -> None:
    for table in sample_raw(spark):
        directory = partition_path(raw_root, table, DAY.isoformat())
        first = sorted(p for p in os.listdir(directory) if p.endswith(".parquet"))[0]
        inferred = spark.read.parquet(directory).schema
        assert daily_transform._footer_schema(spark, f"{directory}/{first}") == inferred, table
        # Without the schema Spark wrote (the extract's files have none): the Parquet types convert to the same.
        converted = daily_transform._footer_schema(spark, f"{directory}/{first}", prefer_written=False)
        assert [(f.name, f.dataType) for f in converted.fields] == [(f.name, f.dataType) for f in inferred.fields]


def test_a_subset_rerun_overwrites_its_own_output(
    raw_root: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_root = str(tmp_path / "out")
    subset = ["--tables", "dim_tenants,fact_permission_checks"]
    first = run(raw_root, out_root, *subset)
    second = run(raw_root, out_root, *subset)
    expected = {"dim_tenants": 2, "fact_permission_checks": 2}
    assert first["tables"] == second["tables"] == expected
    assert sorted(os.listdir(out_root)) == sorted([*expected, "_SUMMARY.json"])
    assert (
        summary_of(capsys.readouterr().out.split("daily_transform: fact_permission_checks", 2)[2])["tables"] == expected
    )


def test_missing_raw_partition_fails_and_empty_one_is_an_empty_table(spark: SparkSession, tmp_path: Path) -> None:
    raw_root = str(tmp_path / "raw")
    out_root = str(tmp_path / "out")
    with pytest.raises(FileNotFoundError, match="permission_checks/dt=2026-11-27 does not exist"):
        run(raw_root, out_root, "--tables", "fact_permission_checks")
    empty = Path(partition_path(raw_root, "permission_checks", DAY.isoformat()))
    empty.mkdir(parents=True)
    (empty / "_SUCCESS").write_text("")
    assert run(raw_root, out_root, "--tables", "fact_permission_checks")["tables"] == {"fact_permission_checks": 0}
    written = spark.read.parquet(f"{out_root}/fact_permission_checks")
    assert written.columns == load_schema("fact_permission_checks").names and written.count() == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--date", "2026-02-30"], "--date '2026-02-30': day is out of range for month"),
        (["--date", "27/11/2026"], "logical date must be YYYY-MM-DD"),
        (["--date", "2026-11-27", "--tables", "rpt_engagement_daily"], "--tables: unknown tables"),
        (["--date", "2026-11-27", "--run-id", ""], "--run-id must be 1-256 characters"),
    ],
)
def test_bad_arguments_fail_before_spark(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    base = {"--raw-root": "/r", "--out-root": "/o", "--run-id": "r"}
    argv = [*[x for k, v in base.items() if k not in args for x in (k, v)], *args]
    with pytest.raises(SystemExit) as exit_info:
        daily_transform.parse_args(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
