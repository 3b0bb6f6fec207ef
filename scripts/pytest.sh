#!/usr/bin/env bash
# Python suites (jobs/, dags/, dashboards/: the LookML checker) in the project venv; infra/tests (the HCL checks of
# infra/terraform) run from scripts/check-infra.sh, which needs the tsx defaults too. pytest's "no tests collected"
# (exit 5) is a failure here: every folder listed must have tests. Lint (ruff, mypy) is scripts/lint-py.sh, part of
# `npm run lint`.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
[ -x .venv/bin/python ] || bash scripts/bootstrap.sh
# A .venv built from an older requirements-dev.txt is replaced by the current one (cached per content).
ensure_python_venv --quiet
[ $# -gt 0 ] || set -- jobs dags dashboards
.venv/bin/python -m pytest -q "$@"
