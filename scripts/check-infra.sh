#!/usr/bin/env bash
# Offline checks of infra/terraform (no provider, no registry): `terraform fmt -check`, tflint with its bundled
# terraform ruleset (.tflint.hcl), checkov (every finding fixed or waived with a reason: inline
# `#checkov:skip=ID:reason` or .checkov.yaml) and the HCL tests of infra/tests (python-hcl2, against the code's
# defaults). Part of `npm test`; `npm run check:infra` alone. tflint and checkov are installed into the per-user cache
# by version (scripts/versions.env) on first use.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

# A TF_CLI_CONFIG_FILE naming a missing file only makes every terraform call print a warning.
if [ -n "${TF_CLI_CONFIG_FILE:-}" ] && [ ! -f "$TF_CLI_CONFIG_FILE" ]; then unset TF_CLI_CONFIG_FILE; fi
have terraform || die "terraform is not on PATH (1.5+; only 'terraform fmt' runs here, nothing is downloaded)." \
  "Install it from your package manager or HashiCorp's releases, then retry."

step "terraform fmt -check ($(terraform version | head -1))"
terraform fmt -check -recursive -diff infra/terraform

step "tflint $TFLINT_VERSION (bundled terraform ruleset, preset all)"
go_tool tflint "$TFLINT_MODULE" "$TFLINT_VERSION" tflint
# --chdir keeps the module paths relative, so findings name the files as they are in the repository.
"$(tool_bin tflint "$TFLINT_VERSION")/tflint" --chdir=infra/terraform --recursive --config="$ROOT/.tflint.hcl" --no-color

step "checkov $CHECKOV_VERSION (--skip-download, framework terraform; waivers: .checkov.yaml and inline skips)"
CHECKOV_BIN="$(pip_tool checkov "$CHECKOV_VERSION")"
"$CHECKOV_BIN/checkov" --config-file .checkov.yaml --quiet --compact

step "HCL tests (infra/tests, python-hcl2)"
bash scripts/pytest.sh infra/tests
