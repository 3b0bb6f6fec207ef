"""Daily transform: raw zone (Parquet per source table and day) -> processed star schema + day-local reports.

Usage (spark-submit ships the `jobs` package as a zip, see jobs/build_pyfiles.py):

    daily_transform.py (--manifest <uri> | --raw-root <uri>) --out-root <uri> --date YYYY-MM-DD --run-id <id>
                       [--tables a,b]

Reads the raw partitions either as listed in an input manifest (the pipeline's way: exactly the files of each
partition's committed generation, which on GCS live under `_gen=<id>/` directories Spark would skip) or, for local
runs by hand, from `<raw-root>/<source table>/dt=<date>/`; writes every produced table to `<out-root>/<table>/`
(overwritten, so a retried attempt replaces its own output; the TypeScript side promotes it into
`processed/<table>/dt=<date>/`), and prints `TRANSFORM_SUMMARY {"tables": {...}}` last (the same JSON is written to
`<out-root>/_SUMMARY.json`): the runner takes the row counts from either. Paths and roots are used as given (local
paths or gs:// URIs) through Spark and the Hadoop FileSystem API only.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import importlib.util
import json
import sys
from pathlib import Path
from typing import Any


def _ensure_jobs_package() -> None:
    """Makes `jobs.transform` importable however the file is launched.

    Under pytest or `python -m jobs.daily_transform` the package is already on sys.path. Under spark-submit it comes
    from the --py-files zip; when that zip only carries jobs/lib (an older runner), the source tree next to this file
    is added to the package's search path; launched as a bare script, the repository root is put on sys.path.
    """
    here = Path(__file__).resolve().parent
    try:
        import jobs
    except ModuleNotFoundError:
        sys.path.insert(0, str(here.parent))
        return
    if importlib.util.find_spec("jobs.transform") is None and (here / "transform").is_dir():
        jobs.__path__.append(str(here))


_ensure_jobs_package()

from pyspark.sql import DataFrame, Observation, SparkSession  # noqa: E402
from pyspark.sql import functions as F  # noqa: E402

from jobs.lib.partitions import parse_logical_date, partition_path  # noqa: E402
from jobs.transform.pipeline import FACT_TABLES, DailyTransform, RawLoader, select_tables  # noqa: E402
from jobs.transform.raw import RAW_SCHEMAS  # noqa: E402

SUMMARY_PREFIX = "TRANSFORM_SUMMARY "
#: Written next to the tables; starts with "_" so Spark and the loaders skip it as data.
SUMMARY_FILE = "_SUMMARY.json"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Parses and validates the arguments before any JVM starts, so bad input fails in milliseconds."""
    parser = argparse.ArgumentParser(
        prog="daily_transform.py", description="Hire10x daily transform: raw zone -> processed star schema"
    )
    inputs = parser.add_mutually_exclusive_group(required=True)
    inputs.add_argument(
        "--manifest",
        help="input manifest JSON (local path or gs:// URI) listing each raw table's files; what the pipeline passes",
    )
    inputs.add_argument("--raw-root", help="raw zone root (local path or gs:// URI), for runs without a manifest")
    parser.add_argument("--out-root", required=True, help="output root; each table goes to <out-root>/<table>/")
    parser.add_argument("--date", required=True, help="logical date YYYY-MM-DD (UTC day)")
    parser.add_argument("--run-id", required=True, help="id of the pipeline run (logged and echoed in the summary)")
    parser.add_argument("--tables", default="", help="comma-separated subset of the produced tables (default: all)")
    args = parser.parse_args(argv)
    try:
        args.day = parse_logical_date(args.date)
    except ValueError as error:
        parser.error(f"--date {args.date!r}: {error}")
    try:
        args.table_list = select_tables(args.tables)
    except ValueError as error:
        parser.error(f"--tables: {error}")
    if not args.run_id.strip() or len(args.run_id) > 256:
        parser.error("--run-id must be 1-256 characters")
    for name in ("manifest", "raw_root", "out_root"):
        value = getattr(args, name)
        if value is not None and not value.strip():
            parser.error(f"--{name.replace('_', '-')} must not be empty")
    return args


def _jvm(spark: SparkSession) -> Any:
    """The driver's py4j view of the JVM (pyspark types it optional: it is None only once the context stopped)."""
    jvm = spark.sparkContext._jvm
    if jvm is None:
        raise RuntimeError("the SparkContext is stopped: no JVM to reach Hadoop through")
    return jvm


def _parquet_files(spark: SparkSession, path: str) -> list[str] | None:
    """Data file names under `path` (Hadoop FileSystem, so gs:// works on Dataproc); None if `path` is absent."""
    jvm = _jvm(spark)
    hadoop_path = jvm.org.apache.hadoop.fs.Path(path)
    fs = hadoop_path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    if not fs.exists(hadoop_path):
        return None
    names = [status.getPath().getName() for status in fs.listStatus(hadoop_path)]
    return sorted(n for n in names if n.endswith(".parquet") and not n.startswith(("_", ".")))


def raw_loader(spark: SparkSession, raw_root: str, day: _dt.date) -> RawLoader:
    """Loader of `<raw_root>/<table>/dt=<day>/`.

    A missing partition fails: the extract writes one per table and day, so its absence means the extract did not
    run, not that nothing happened. A partition without data files (an empty day) is an empty table.
    """

    def load(table: str) -> DataFrame:
        path = partition_path(raw_root, table, day.isoformat())
        files = _parquet_files(spark, path)
        if files is None:
            raise FileNotFoundError(f"raw partition {path} does not exist (was the extract of {table} run?)")
        if not files:
            return spark.createDataFrame([], RAW_SCHEMAS[table])
        return spark.read.parquet(path)

    return load


def read_manifest(spark: SparkSession, uri: str, day: _dt.date) -> dict[str, list[str]]:
    """The input manifest at `uri`: raw table -> URIs of the files of its committed partition generation.

    Read through Spark (`wholeTextFiles`), so local paths and gs:// URIs alike work on every cluster; its name must
    not start with `_` or `.` (Hadoop's input formats drop such files even when named explicitly). The manifest is
    written by the TypeScript transform activity: `{"logical_date": "YYYY-MM-DD", "tables": {"<table>": [uri, ...]}}`
    (further keys, such as the generations, are informational). A manifest for another day is refused.
    """
    found = spark.sparkContext.wholeTextFiles(uri).collect()
    if len(found) != 1:
        raise ValueError(f"input manifest {uri}: expected one file, found {len(found)}")
    try:
        manifest = json.loads(found[0][1])
    except json.JSONDecodeError as error:
        raise ValueError(f"input manifest {uri}: not JSON: {error}") from error
    if not isinstance(manifest, dict):
        raise ValueError(f"input manifest {uri}: expected a JSON object")
    if manifest.get("logical_date") != day.isoformat():
        raise ValueError(
            f"input manifest {uri} is for {manifest.get('logical_date')!r}, not the run's date {day.isoformat()}"
        )
    tables = manifest.get("tables")
    if not isinstance(tables, dict) or not all(
        isinstance(files, list) and all(isinstance(f, str) and f for f in files) for files in tables.values()
    ):
        raise ValueError(f"input manifest {uri}: 'tables' must map each raw table to a list of file URIs")
    return {str(table): list(files) for table, files in tables.items()}


def manifest_loader(spark: SparkSession, manifest: dict[str, list[str]], uri: str) -> RawLoader:
    """Loader of the exact files the manifest lists per raw table (never a directory listing).

    A table the manifest does not list fails (the activity lists every table in RAW_INPUTS); a table listed with no
    data files (an empty day) is an empty table, as with `--raw-root`.
    """

    def load(table: str) -> DataFrame:
        if table not in manifest:
            listed = ", ".join(sorted(manifest)) or "none"
            raise ValueError(f"input manifest {uri} lists no raw table {table!r} (it lists: {listed})")
        files = [f for f in manifest[table] if f.rsplit("/", 1)[-1].endswith(".parquet")]
        if not files:
            return spark.createDataFrame([], RAW_SCHEMAS[table])
        return spark.read.parquet(*files)

    return load


def write_table(df: DataFrame, out_root: str, table: str) -> int:
    """Writes one produced table (overwrite) and returns the number of rows written.

    Facts keep Spark's partitioning (they can be large); dimensions and reports are small and go out as one file.
    The count is observed while writing (Observation: metrics of the write's own tasks), so the table is neither
    computed twice nor read back.
    """
    path = f"{out_root.rstrip('/')}/{table}"
    observation = Observation(f"rows_{table}")
    observed = df.observe(observation, F.count(F.lit(1)).alias("rows"))
    (observed if table in FACT_TABLES else observed.coalesce(1)).write.mode("overwrite").parquet(path)
    return int(observation.get["rows"])


def write_text(spark: SparkSession, path: str, text: str) -> None:
    """Writes a small UTF-8 file through the Hadoop FileSystem API (local paths and gs:// alike), replacing it.

    A private FileSystem instance (not the cached one Spark shares) so switching off checksums, which would leave a
    hidden .crc sibling on the local file system, affects nothing else.
    """
    jvm = _jvm(spark)
    hadoop_path = jvm.org.apache.hadoop.fs.Path(path)
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    fs = jvm.org.apache.hadoop.fs.FileSystem.newInstance(hadoop_path.toUri(), conf)
    try:
        fs.setWriteChecksum(False)
        stream = fs.create(hadoop_path, True)
        try:
            stream.write(bytearray(text.encode("utf-8")))
        finally:
            stream.close()
    finally:
        fs.close()


def main(argv: list[str] | None = None) -> dict[str, object]:
    """Runs the transform; returns the summary it prints. Stops the Spark session only if it created it."""
    args = parse_args(argv)
    own_session = SparkSession.getActiveSession() is None
    spark = SparkSession.builder.appName(f"daily_transform {args.day.isoformat()}").getOrCreate()
    try:
        # UTC for anything that renders dates; standard Parquet timestamps (not legacy INT96) for the loaders.
        spark.conf.set("spark.sql.session.timeZone", "UTC")
        spark.conf.set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
        if args.manifest:
            manifest = read_manifest(spark, args.manifest, args.day)
            loader = manifest_loader(spark, manifest, args.manifest)
        else:
            loader = raw_loader(spark, args.raw_root, args.day)
        transform = DailyTransform(spark, args.day, loader)
        counts: dict[str, int] = {}
        for table, df in transform.build(args.table_list).items():
            counts[table] = write_table(df, args.out_root, table)
            print(f"daily_transform: {table}: {counts[table]} rows", flush=True)
        summary: dict[str, object] = {
            "run_id": args.run_id,
            "logical_date": args.day.isoformat(),
            "tables": counts,
        }
        line = json.dumps(summary, separators=(",", ":"))
        # Beside the output too: on Dataproc the driver's stdout is not the runner's to read.
        write_text(spark, f"{args.out_root.rstrip('/')}/{SUMMARY_FILE}", line + "\n")
        print(SUMMARY_PREFIX + line, flush=True)
        return summary
    finally:
        if own_session:
            spark.stop()


if __name__ == "__main__":
    main()
