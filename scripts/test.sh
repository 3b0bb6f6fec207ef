#!/usr/bin/env bash
# `npm test`: the whole suite from a fresh clone. Installs what is missing (cached per version), then lint,
# type check, vitest (which brings up the isolated test platform itself) and pytest.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
start=$SECONDS
bash scripts/bootstrap.sh --emulators
step "lint (eslint + prettier, layering, ruff + mypy)"
# One command per line: under `set -e` a failure inside an `a && b` list does not stop the script.
npx eslint .
npx prettier --check . >/dev/null
npm run -s lint:deps
bash scripts/lint-py.sh
step "type check"
npx tsc --noEmit -p tsconfig.json
step "vitest"
npx vitest run "$@"
step "API fuzz (schemathesis --checks all)"
bash scripts/fuzz-api.sh
step "pytest"
bash scripts/pytest.sh
step "infrastructure (terraform fmt, tflint, checkov, HCL tests)"
bash scripts/check-infra.sh
step "Kubernetes manifests (kustomize, kubernetes-validate, checkov, structural tests)"
bash scripts/check-k8s.sh
step "all green in $((SECONDS - start))s"
