#!/usr/bin/env bash
# `npm run test:fuzz`: installs the pinned schemathesis into its own venv in the tool cache (once), then fuzzes the
# HTTP API against its generated OpenAPI document with every check (test/fuzz/api-fuzz.ts starts the test platform
# and the API). Extra arguments go to `schemathesis run`; FUZZ_MAX_EXAMPLES and FUZZ_SEED bound and fix the run.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
step "schemathesis $SCHEMATHESIS_VERSION"
bin="$(pip_tool schemathesis "$SCHEMATHESIS_VERSION")"
step "fuzzing the API (schemathesis --checks all)"
npx tsx test/fuzz/api-fuzz.ts "$bin/schemathesis" "$@"
