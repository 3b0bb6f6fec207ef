"""The input manifest: the pipeline hands the job exactly the files of each raw partition's committed generation.

On GCS a partition's files live under `<prefix>/_gen=<id>/`, which Spark and Hadoop treat as hidden, so the job must
read the listed files, never the directory. These tests lay the sample day out that way and check the manifest path
gives exactly the outputs of the `--raw-root` path on the plain layout.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from pyspark.sql import DataFrame, SparkSession

from jobs import daily_transform
from jobs.lib.partitions import partition_path
from jobs.tests.helpers import DAY, rows
from jobs.tests.sample_data import EXPECTED_COUNTS, sample_raw
from jobs.transform.pipeline import PRODUCED_TABLES, RAW_INPUTS, DailyTransform

REPO = Path(__file__).resolve().parents[2]
GENERATION = "_gen=20261127T0300Z-abc123"


@pytest.fixture(scope="module")
def layouts(spark: SparkSession, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The sample day twice: the plain `dt=` layout (`raw_root`) and the GCS generation layout plus its manifest."""
    plain = str(tmp_path_factory.mktemp("raw-plain"))
    generations = tmp_path_factory.mktemp("raw-gen")
    tables: dict[str, list[str]] = {}
    for table, df in sample_raw(spark).items():
        df.coalesce(1).write.parquet(partition_path(plain, table, DAY.isoformat()))
        gen_dir = Path(partition_path(str(generations), table, DAY.isoformat())) / GENERATION
        df.coalesce(1).write.parquet(str(gen_dir))
        # What the activity lists: the generation's data files only (Spark's _SUCCESS and .crc files are not keys).
        tables[table] = sorted(str(p) for p in gen_dir.glob("part-*.parquet"))
        assert tables[table], table
    manifest = generations / "input-manifest.json"
    manifest.write_text(json.dumps({"logical_date": DAY.isoformat(), "tables": tables}))
    return {"raw_root": plain, "gen_root": str(generations), "manifest": str(manifest)}


def run(*args: str) -> dict[str, object]:
    return daily_transform.main([*args, "--date", DAY.isoformat(), "--run-id", "run-1"])


def write_manifest(path: Path, tables: dict[str, list[str]], day: str = DAY.isoformat()) -> str:
    path.write_text(json.dumps({"logical_date": day, "tables": tables}))
    return str(path)


def test_manifest_path_gives_exactly_the_raw_root_outputs(
    spark: SparkSession, layouts: dict[str, str], tmp_path: Path
) -> None:
    from_root = run("--raw-root", layouts["raw_root"], "--out-root", str(tmp_path / "root"))
    from_manifest = run("--manifest", layouts["manifest"], "--out-root", str(tmp_path / "manifest"))
    assert from_manifest["tables"] == from_root["tables"] == EXPECTED_COUNTS
    for table in PRODUCED_TABLES:
        a = spark.read.parquet(str(tmp_path / "root" / table))
        b = spark.read.parquet(str(tmp_path / "manifest" / table))
        assert b.schema == a.schema, table
        assert rows(b) == rows(a), table


def test_the_generation_directory_is_invisible_to_a_directory_read(layouts: dict[str, str], tmp_path: Path) -> None:
    # Why the manifest exists: pointed at the generation layout, the directory reader finds no data files.
    out = run("--raw-root", layouts["gen_root"], "--out-root", str(tmp_path / "out"), "--tables", "fact_auth_events")
    assert out["tables"] == {"fact_auth_events": 0}
    listed = run("--manifest", layouts["manifest"], "--out-root", str(tmp_path / "m"), "--tables", "fact_auth_events")
    assert listed["tables"] == {"fact_auth_events": EXPECTED_COUNTS["fact_auth_events"]}


def test_a_table_listed_without_files_is_an_empty_table(spark: SparkSession, tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path / "m.json", {"permission_checks": [str(tmp_path / "_SUCCESS")]})
    out = run("--manifest", manifest, "--out-root", str(tmp_path / "out"), "--tables", "fact_permission_checks")
    assert out["tables"] == {"fact_permission_checks": 0}
    assert spark.read.parquet(str(tmp_path / "out" / "fact_permission_checks")).count() == 0


def test_a_table_missing_from_the_manifest_fails_naming_it(layouts: dict[str, str], tmp_path: Path) -> None:
    tables = json.loads(Path(layouts["manifest"]).read_text())["tables"]
    del tables["auth_events"]
    manifest = write_manifest(tmp_path / "m.json", tables)
    with pytest.raises(ValueError, match="lists no raw table 'auth_events'"):
        run("--manifest", manifest, "--out-root", str(tmp_path / "out"), "--tables", "fact_auth_events")


def test_a_manifest_for_another_day_or_malformed_is_refused(layouts: dict[str, str], tmp_path: Path) -> None:
    tables = json.loads(Path(layouts["manifest"]).read_text())["tables"]
    other_day = write_manifest(tmp_path / "other.json", tables, "2026-11-26")
    with pytest.raises(ValueError, match="is for '2026-11-26', not the run's date 2026-11-27"):
        run("--manifest", other_day, "--out-root", str(tmp_path / "out"))
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"logical_date": DAY.isoformat(), "tables": {"users": "not-a-list"}}))
    with pytest.raises(ValueError, match="must map each raw table to a list of file URIs"):
        run("--manifest", str(bad), "--out-root", str(tmp_path / "out"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--manifest", "/m.json", "--raw-root", "/r"], "not allowed with argument"),
        ([], "one of the arguments --manifest --raw-root is required"),
        (["--manifest", " "], "--manifest must not be empty"),
    ],
)
def test_exactly_one_input_source(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        daily_transform.parse_args([*args, "--out-root", "/o", "--date", "2026-11-27", "--run-id", "r"])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_raw_inputs_is_what_a_full_build_reads_and_what_the_activity_lists(spark: SparkSession) -> None:
    sample = sample_raw(spark)
    loaded: list[str] = []

    def recording(table: str) -> DataFrame:
        loaded.append(table)
        return sample[table]

    DailyTransform(spark, DAY, recording).build()
    assert sorted(loaded) == sorted(RAW_INPUTS)
    # The TypeScript side (activities/transform.ts) resolves exactly these partitions into the manifest.
    source = (REPO / "activities" / "transform.ts").read_text()
    block = re.search(r"DAILY_TRANSFORM_RAW_TABLES = \[(.*?)\] as const", source, re.S)
    assert block, "activities/transform.ts must declare DAILY_TRANSFORM_RAW_TABLES = [...] as const"
    assert re.findall(r"'([a-z_]+)'", block.group(1)) == list(RAW_INPUTS)
