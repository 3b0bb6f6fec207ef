#!/usr/bin/env bash
# Python lint for jobs/ (PySpark), dags/ (Composer) and dashboards/ (the LookML checker), in the project venv: ruff's
# rules, ruff's formatting (check only; `.venv/bin/ruff format dags jobs dashboards` fixes it) and mypy's type check.
# Versions are pinned in requirements-dev.txt, settings in pyproject.toml. Arguments narrow it to some folders
# (default: jobs dags dashboards infra).
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
[ -x .venv/bin/mypy ] || bash scripts/bootstrap.sh
# A .venv built from an older requirements-dev.txt is replaced by the current one (cached per content).
ensure_python_venv --quiet
[ $# -gt 0 ] || set -- jobs dags dashboards infra
.venv/bin/ruff check "$@"
.venv/bin/ruff format --check "$@"
.venv/bin/mypy "$@"
