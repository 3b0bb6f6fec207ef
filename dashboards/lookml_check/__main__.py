"""`npm run check:looker`: check dashboards/looker against the generated BigQuery schema, offline.

Prints one line per problem (file, element, what is wrong) and exits 1, or prints a one-line summary and exits 0.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dashboards.lookml_check.checks import check_project
from dashboards.lookml_check.project import load_project
from dashboards.lookml_check.schema import load_warehouse

ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lookml_check", description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, default=ROOT / "dashboards" / "looker", help="LookML project dir")
    parser.add_argument(
        "--tables",
        type=Path,
        default=ROOT / "infra" / "terraform" / "bigquery" / "tables",
        help="generated BigQuery table resources (*.json)",
    )
    parser.add_argument(
        "--spark-schemas", type=Path, default=ROOT / "jobs" / "schemas", help="generated Spark schemas (*.json)"
    )
    args = parser.parse_args(argv)
    report = check_project(load_project(args.project), load_warehouse(args.tables, args.spark_schemas))
    if report.problems:
        for problem in report.problems:
            print(f"{args.project / problem.file}: {problem.element}: {problem.message}", file=sys.stderr)
        print(f"LookML check failed: {len(report.problems)} problem(s) in {args.project}", file=sys.stderr)
        return 1
    print(report.summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
