#!/usr/bin/env bash
# `npm run check:looker`: the offline LookML checker (dashboards/lookml_check) over dashboards/looker, against the
# generated BigQuery schema, in the project venv (lkml and PyYAML pinned in requirements-dev.txt). Arguments go to the
# checker (--project DIR, --tables DIR, --spark-schemas DIR). Its pytest suite runs in `npm test` (scripts/pytest.sh).
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
ensure_python_venv --quiet
exec .venv/bin/python -m dashboards.lookml_check "$@"
