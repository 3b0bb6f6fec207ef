"""Smoke job: counts the words of a text file and writes them as one CSV under the lake layout.

The SparkRunner contract suite runs it to prove a runner passes arguments, ships `jobs/lib` (the import below only
resolves through --py-files), returns the driver's stdout and reports the driver's error when the job fails.

Usage: word_count.py <input text path> <output zone root> <logical date YYYY-MM-DD>
"""

from __future__ import annotations

import sys

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from jobs.lib.partitions import partition_path


def main(argv: list[str]) -> None:
    if len(argv) != 3:
        raise SystemExit("usage: word_count.py <input> <output zone root> <logical date>")
    input_path, output_root, logical_date = argv
    # Validated before Spark starts so a bad date fails in milliseconds, not after a JVM start.
    target = partition_path(output_root, "word_counts", logical_date)

    spark = SparkSession.builder.appName("word_count").getOrCreate()
    try:
        words = (
            spark.read.text(input_path)
            .select(F.explode(F.split(F.lower("value"), r"[^a-z0-9']+")).alias("word"))
            .where(F.col("word") != "")
        )
        counts = words.groupBy("word").count().orderBy(F.desc("count"), "word").cache()
        counts.coalesce(1).write.mode("overwrite").option("header", True).csv(target)
        distinct = counts.count()
        summed = counts.agg(F.sum("count")).first()
        total = (summed[0] if summed is not None else 0) or 0
        print(f"word_count: {distinct} distinct words, {total} words -> {target}", flush=True)
    finally:
        spark.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
