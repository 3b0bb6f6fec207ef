"""Builds the --py-files zip spark-submit and Dataproc ship with the jobs: `dist/jobs.zip`.

The zip holds the `jobs` package as it is imported at runtime: `jobs/__init__.py`, `jobs/lib/**.py`,
`jobs/transform/**.py` and the generated schemas `jobs/schemas/*.json` (package data the transform conforms every
output to). Tests, smoke jobs and caches stay out. Entries are sorted and dated 1980-01-01, so the same sources give
a byte-identical zip (a stable object to upload and cache).

Usage: python jobs/build_pyfiles.py [--out dist/jobs.zip]     (from the repository root, or any directory)
"""

from __future__ import annotations

import argparse
import sys
import zipfile
from pathlib import Path

JOBS_DIR = Path(__file__).resolve().parent
DEFAULT_OUT = JOBS_DIR.parent / "dist" / "jobs.zip"
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def zip_members(jobs_dir: Path = JOBS_DIR) -> list[tuple[Path, str]]:
    """(source file, name inside the zip) pairs, sorted by name."""
    members: list[tuple[Path, str]] = [(jobs_dir / "__init__.py", "jobs/__init__.py")]
    for package in ("lib", "transform"):
        for path in (jobs_dir / package).rglob("*.py"):
            if "__pycache__" not in path.parts:
                members.append((path, f"jobs/{path.relative_to(jobs_dir).as_posix()}"))
    for path in (jobs_dir / "schemas").glob("*.json"):
        members.append((path, f"jobs/schemas/{path.name}"))
    return sorted(members, key=lambda m: m[1])


def build(out: Path = DEFAULT_OUT, jobs_dir: Path = JOBS_DIR) -> Path:
    """Writes the zip to `out` (parents created) and returns its path."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
        for source, name in zip_members(jobs_dir):
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, source.read_bytes())
    tmp.replace(out)  # readers never see a half-written zip
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Build the jobs --py-files zip.")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output zip (default {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    path = build(args.out)
    print(f"build_pyfiles: wrote {path} ({len(zip_members())} files)", file=sys.stderr)


if __name__ == "__main__":
    main()
