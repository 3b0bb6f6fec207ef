#!/usr/bin/env bash
# Python lint for jobs/ (PySpark) and dags/ (Composer), in the project venv: ruff's rules, ruff's formatting (check
# only; `.venv/bin/ruff format dags jobs` fixes it) and mypy's type check. Versions are pinned in requirements-dev.txt,
# settings in pyproject.toml. Arguments narrow it to some folders (default: jobs dags).
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
[ -x .venv/bin/mypy ] || bash scripts/bootstrap.sh
[ $# -gt 0 ] || set -- jobs dags
.venv/bin/ruff check "$@"
.venv/bin/ruff format --check "$@"
.venv/bin/mypy "$@"
