"""The --py-files zip: contents, reproducibility, and that the entrypoint imports from it (and from a lib-only zip)."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

from jobs import build_pyfiles

JOBS_DIR = Path(build_pyfiles.__file__).resolve().parent


def test_zip_holds_the_runtime_package_only(tmp_path: Path) -> None:
    out = build_pyfiles.build(tmp_path / "dist" / "jobs.zip")
    names = zipfile.ZipFile(out).namelist()
    assert names == sorted(names)
    assert {"jobs/__init__.py", "jobs/lib/partitions.py", "jobs/transform/pipeline.py"} <= set(names)
    assert "jobs/schemas/fact_auth_events.json" in names
    assert not [n for n in names if n.startswith(("jobs/tests/", "jobs/smoke/")) or "__pycache__" in n]
    again = build_pyfiles.build(tmp_path / "again.zip")
    assert out.read_bytes() == again.read_bytes(), "same sources, byte-identical zip"


def _python(code_or_args: list[str], pythonpath: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": pythonpath}
    return subprocess.run(
        [sys.executable, *code_or_args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_transform_imports_and_loads_schemas_from_the_zip(tmp_path: Path) -> None:
    out = build_pyfiles.build(tmp_path / "jobs.zip")
    code = (
        "import jobs; from jobs.transform.schemas import load_schema; import jobs.transform.pipeline; "
        "print(jobs.__file__); print(len(load_schema('security_incidents').fields))"
    )
    result = _python(["-c", code], str(out), tmp_path)
    assert result.returncode == 0, result.stderr
    file, fields = result.stdout.split()
    assert file.startswith(str(out)) and fields == "15"


def test_entrypoint_starts_with_a_lib_only_zip(tmp_path: Path) -> None:
    # What an older runner ships: jobs/__init__.py and jobs/lib only. The entrypoint falls back to the source tree.
    lib_zip = tmp_path / "jobs-lib.zip"
    with zipfile.ZipFile(lib_zip, "w") as z:
        z.write(JOBS_DIR / "__init__.py", "jobs/__init__.py")
        z.write(JOBS_DIR / "lib" / "__init__.py", "jobs/lib/__init__.py")
        z.write(JOBS_DIR / "lib" / "partitions.py", "jobs/lib/partitions.py")
    result = _python([str(JOBS_DIR / "daily_transform.py"), "--help"], str(lib_zip), tmp_path)
    assert result.returncode == 0, result.stderr
    assert "--raw-root" in result.stdout
