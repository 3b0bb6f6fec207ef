#!/usr/bin/env bash
# Python suites (jobs/ and dags/) in the project venv. pytest's "no tests collected" (exit 5) is a failure here:
# every folder listed must have tests. Lint (ruff, mypy) is scripts/lint-py.sh, part of `npm run lint`.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
[ -x .venv/bin/python ] || bash scripts/bootstrap.sh
[ $# -gt 0 ] || set -- jobs dags
.venv/bin/python -m pytest -q "$@"
