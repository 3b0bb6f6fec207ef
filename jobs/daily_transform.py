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

Before the summary it prints `TRANSFORM_TIMINGS {...}`: where the run's time went (JVM launch, Python start, session
start, reading, each output table, the summary write, session stop), which the runner puts into the stage's log.
Independent output tables are computed `spark.hire10x.transform.tableConcurrency` at a time (default 2), and raw
schemas are taken from the Parquet footers on the driver (`spark.hire10x.transform.footerSchemas`, default true)
instead of one schema-inference Spark job per raw table.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import importlib.util
import json
import os
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
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
from pyspark.sql import types as T  # noqa: E402

from jobs.lib.partitions import parse_logical_date, partition_path  # noqa: E402
from jobs.transform.pipeline import FACT_TABLES, DailyTransform, RawLoader, select_tables  # noqa: E402
from jobs.transform.raw import RAW_SCHEMAS  # noqa: E402

SUMMARY_PREFIX = "TRANSFORM_SUMMARY "
TIMINGS_PREFIX = "TRANSFORM_TIMINGS "
#: How many output tables are computed and written at once (threads sharing the session; 1 = one after the other).
CONCURRENCY_CONF = "spark.hire10x.transform.tableConcurrency"
DEFAULT_CONCURRENCY = 2
#: Whether raw schemas come from the Parquet footers (read on the driver) instead of Spark's schema inference job.
FOOTER_SCHEMAS_CONF = "spark.hire10x.transform.footerSchemas"
#: Where Spark keeps the schema it wrote in a Parquet file's key-value metadata (its inference prefers it).
SPARK_ROW_METADATA = "org.apache.spark.sql.parquet.row.metadata"
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


def _footer_schema(spark: SparkSession, file: str, prefer_written: bool = True) -> T.StructType:
    """The Spark schema of one Parquet file from its footer, as Spark's own inference derives it.

    Spark's inference (mergeSchema off) reads the first data file's footer inside a Spark job; reading it here over
    py4j with the same converter (and the same preference for the schema Spark wrote into the file's metadata) gives
    the identical schema without the job. `prefer_written=False` (tests) always converts the Parquet schema, as
    for the extract's files, which carry no Spark schema.
    """
    jvm = _jvm(spark)
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    source = jvm.org.apache.parquet.hadoop.util.HadoopInputFile.fromPath(jvm.org.apache.hadoop.fs.Path(file), conf)
    reader = jvm.org.apache.parquet.hadoop.ParquetFileReader.open(source)
    try:
        metadata = reader.getFooter().getFileMetaData()
        written = metadata.getKeyValueMetaData().get(SPARK_ROW_METADATA)
        if written is not None and prefer_written:
            parsed = T._parse_datatype_json_string(written)
            if isinstance(parsed, T.StructType):
                return parsed
        sql_conf = spark._jsparkSession.sessionState().conf()
        converter = jvm.org.apache.spark.sql.execution.datasources.parquet.ParquetToSparkSchemaConverter(sql_conf)
        converted = T._parse_datatype_json_string(converter.convert(metadata.getSchema()).json())
    finally:
        reader.close()
    if not isinstance(converted, T.StructType):
        raise ValueError(f"{file}: the Parquet footer does not describe a struct")
    return converted


def _footer_schemas(spark: SparkSession) -> bool:
    return str(spark.conf.get(FOOTER_SCHEMAS_CONF, "true")).lower() != "false"


def _read_parquet(spark: SparkSession, paths: list[str]) -> DataFrame:
    """`spark.read.parquet(*paths)` of data files, schema from the first file's footer when the switch is on."""
    if not _footer_schemas(spark):
        return spark.read.parquet(*paths)
    return spark.read.schema(_footer_schema(spark, paths[0])).parquet(*paths)


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
        if not _footer_schemas(spark):
            return spark.read.parquet(path)
        return spark.read.schema(_footer_schema(spark, f"{path.rstrip('/')}/{files[0]}")).parquet(path)

    return load


def read_manifest(spark: SparkSession, uri: str, day: _dt.date) -> dict[str, list[str]]:
    """The input manifest at `uri`: raw table -> URIs of the files of its committed partition generation.

    Read on the driver through the Hadoop FileSystem API (no Spark job), so local paths and gs:// URIs alike work on
    every cluster; its name must not start with `_` or `.` (Hadoop's input formats drop such files even when named
    explicitly, and the manifest stays readable by them). The manifest is
    written by the TypeScript transform activity: `{"logical_date": "YYYY-MM-DD", "tables": {"<table>": [uri, ...]}}`
    (further keys, such as the generations, are informational). A manifest for another day is refused.
    """
    name = uri.rstrip("/").rsplit("/", 1)[-1]
    if name.startswith(("_", ".")):
        raise ValueError(f"input manifest {uri}: its name must not start with '_' or '.'")
    text = read_text(spark, uri)
    if text is None:
        raise ValueError(f"input manifest {uri}: expected one file, found none")
    try:
        manifest = json.loads(text)
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
        return _read_parquet(spark, files)

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


def read_text(spark: SparkSession, path: str) -> str | None:
    """The UTF-8 text of the file at `path` through the Hadoop FileSystem API; None when it is absent or a directory."""
    jvm = _jvm(spark)
    hadoop_path = jvm.org.apache.hadoop.fs.Path(path)
    fs = hadoop_path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    if not fs.exists(hadoop_path) or not fs.getFileStatus(hadoop_path).isFile():
        return None
    stream = fs.open(hadoop_path)
    try:
        return str(jvm.org.apache.commons.io.IOUtils.toString(stream, "UTF-8"))
    finally:
        stream.close()


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


def _seconds_since_start(pid: int | str) -> float | None:
    """Seconds since process `pid` started, from /proc (Linux; None elsewhere or when it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        with open("/proc/uptime") as uptime:
            now = float(uptime.read().split()[0])
        return now - int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


class Timings:
    """Where a run's time went, in seconds, printed as one `TRANSFORM_TIMINGS {...}` line.

    Under spark-submit the Python driver is a child of the driver JVM (spark-submit execs java in place of its
    launcher script), so the JVM's launch time is the parent's age when this process started, and Python's own start
    (interpreter, pyspark imports) is this process's age when `main` begins. Tables computed concurrently overlap:
    `tables_wall` is their wall time together, each `tables` entry its own (compute and write fused, as Spark runs
    them).
    """

    def __init__(self, launched_by_spark_submit: bool) -> None:
        self.origin = time.monotonic()
        self._lock = threading.Lock()
        self.values: dict[str, object] = {}
        self.tables: dict[str, float] = {}
        own_age = _seconds_since_start("self")
        parent_age = _seconds_since_start(os.getppid()) if launched_by_spark_submit else None
        if own_age is not None:
            self.values["python_start"] = round(own_age, 3)
            if parent_age is not None and parent_age >= own_age:
                self.values["jvm_launch"] = round(parent_age - own_age, 3)

    def measure(self, key: str, started: float) -> None:
        with self._lock:
            self.values[key] = round(float(str(self.values.get(key, 0))) + time.monotonic() - started, 3)

    def line(self, concurrency: int) -> str:
        out = dict(self.values)
        out["tables"] = {name: round(seconds, 3) for name, seconds in self.tables.items()}
        out["concurrency"] = concurrency
        out["python_total"] = round(time.monotonic() - self.origin + float(str(out.get("python_start", 0.0))), 3)
        return json.dumps(out, separators=(",", ":"))


#: spark-submit hands the Python driver the JVM's gateway through this variable; a session built in-process has none.
_LAUNCHED_BY_SPARK_SUBMIT = "PYSPARK_GATEWAY_PORT" in os.environ


def _concurrency(spark: SparkSession) -> int:
    raw = str(spark.conf.get(CONCURRENCY_CONF, str(DEFAULT_CONCURRENCY)))
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= 16:
        raise ValueError(f"{CONCURRENCY_CONF} must be an integer 1-16, got {raw!r}")
    return value


def write_tables(
    tables: dict[str, Callable[[], DataFrame]], out_root: str, concurrency: int, timings: Timings
) -> dict[str, int]:
    """Builds, computes and writes every table, `concurrency` at a time; row counts in the order given.

    The tables share nothing but their (lazily re-read) inputs, so Spark can run their jobs side by side: one table's
    planning (Python and the JVM's analyser) and its job's small tail stages then overlap another's tasks. Building
    goes through DailyTransform's lock (shared dependencies are built once). The first failure stops what has not
    started and is raised.
    """

    def one(table: str, build: Callable[[], DataFrame]) -> int:
        started = time.monotonic()
        df = build()
        timings.measure("plan", started)
        started = time.monotonic()
        rows = write_table(df, out_root, table)
        timings.tables[table] = time.monotonic() - started
        print(f"daily_transform: {table}: {rows} rows", flush=True)
        return rows

    started = time.monotonic()
    if concurrency == 1:
        counts = {table: one(table, build) for table, build in tables.items()}
    else:
        pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="transform-table")
        try:
            futures: dict[str, Future[int]] = {table: pool.submit(one, table, b) for table, b in tables.items()}
            counts = {table: future.result() for table, future in futures.items()}
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    timings.measure("tables_wall", started)
    return counts


def main(argv: list[str] | None = None) -> dict[str, object]:
    """Runs the transform; returns the summary it prints. Stops the Spark session only if it created it."""
    timings = Timings(_LAUNCHED_BY_SPARK_SUBMIT)
    args = parse_args(argv)
    own_session = SparkSession.getActiveSession() is None
    started = time.monotonic()
    spark = SparkSession.builder.appName(f"daily_transform {args.day.isoformat()}").getOrCreate()
    timings.measure("session_start", started)
    concurrency = 1
    try:
        # UTC for anything that renders dates; standard Parquet timestamps (not legacy INT96) for the loaders.
        spark.conf.set("spark.sql.session.timeZone", "UTC")
        spark.conf.set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
        concurrency = _concurrency(spark)
        if args.manifest:
            started = time.monotonic()
            manifest = read_manifest(spark, args.manifest, args.day)
            timings.measure("manifest", started)
            loader = manifest_loader(spark, manifest, args.manifest)
        else:
            loader = raw_loader(spark, args.raw_root, args.day)

        def timed_loader(table: str) -> DataFrame:
            began = time.monotonic()
            try:
                return loader(table)
            finally:
                timings.measure("read", began)

        transform = DailyTransform(spark, args.day, timed_loader)
        builders: dict[str, Callable[[], DataFrame]] = {
            name: partial(transform.table, name) for name in args.table_list
        }
        counts = write_tables(builders, args.out_root, concurrency, timings)
        # Building the plans called the loader: that part is reading.
        plan = float(str(timings.values.get("plan", 0))) - float(str(timings.values.get("read", 0)))
        timings.values["plan"] = round(plan, 3)
        summary: dict[str, object] = {
            "run_id": args.run_id,
            "logical_date": args.day.isoformat(),
            "tables": counts,
        }
        line = json.dumps(summary, separators=(",", ":"))
        # Beside the output too: on Dataproc the driver's stdout is not the runner's to read.
        started = time.monotonic()
        write_text(spark, f"{args.out_root.rstrip('/')}/{SUMMARY_FILE}", line + "\n")
        timings.measure("summary_write", started)
    finally:
        if own_session:
            started = time.monotonic()
            spark.stop()
            timings.measure("session_stop", started)
    print(TIMINGS_PREFIX + timings.line(concurrency), flush=True)
    print(SUMMARY_PREFIX + line, flush=True)
    return summary


if __name__ == "__main__":
    main()
