#!/usr/bin/env bash
# Installs every tool the project needs, idempotently, into a per-user cache keyed by version.
#   scripts/bootstrap.sh            core: node modules, Temporal CLI, PostgreSQL, Redis, Python venv
#   scripts/bootstrap.sh --emulators  also what only the test suite needs: the GCP emulators, Chromium for the UI tests
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

WITH_EMULATORS=0
for arg in "$@"; do
  case "$arg" in
    --emulators) WITH_EMULATORS=1 ;;
    *) die "unknown option: $arg" "usage: scripts/bootstrap.sh [--emulators]" ;;
  esac
done
mkdir -p "$TOOL_CACHE"
# One bootstrap at a time per user: parallel test runs must not build the same tool twice.
exec 9>"$TOOL_CACHE/.bootstrap.lock"
flock 9

# --- Node ---------------------------------------------------------------------------------------
have node || die "Node.js is not installed." "Install Node.js 20.19 or newer (https://nodejs.org)."
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
  || die "Node.js $(node --version) is too old." "This project needs Node.js 20.19 or newer."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  step "installing node modules (npm ci)"
  npm ci --no-audit --no-fund >&2 || die "npm ci failed (see above)." "Check access to the npm registry and retry."
else
  info "node modules: up to date"
fi

# --- Temporal CLI (dev server + UI) -----------------------------------------------------------------
step "Temporal CLI $TEMPORAL_CLI_VERSION"
go_tool temporal "$TEMPORAL_CLI_MODULE" "$TEMPORAL_CLI_VERSION" temporal

# --- PostgreSQL server binaries ---------------------------------------------------------------------
step "PostgreSQL $POSTGRES_MAJOR server binaries"
pg_bin_dir() {
  local d
  for d in "/usr/lib/postgresql/$POSTGRES_MAJOR/bin" /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && [ -x "$d/postgres" ] && { echo "$d"; return 0; }
  done
  have initdb && have postgres && { dirname "$(command -v initdb)"; return 0; }
  return 1
}
if ! pg_bin_dir >/dev/null; then
  apt_install "PostgreSQL server" "$DEBIAN_PACKAGES_POSTGRES"
fi
info "initdb/postgres: $(pg_bin_dir || die 'PostgreSQL server binaries still missing after install.')"

# --- Redis ----------------------------------------------------------------------------------------
step "Redis server"
have redis-server || apt_install "redis-server" "$DEBIAN_PACKAGES_REDIS"
info "$(redis-server --version | cut -d' ' -f1-3)"

# --- Python venv ----------------------------------------------------------------------------------------
ensure_python_venv

# --- GCP emulators (contract suites) -----------------------------------------------------------------
if [ "$WITH_EMULATORS" = 1 ]; then
  step "GCP emulators"
  go_tool fake-gcs-server "$FAKE_GCS_SERVER_MODULE" "$FAKE_GCS_SERVER_VERSION" fake-gcs-server
  if [ ! -x "$(tool_bin bigquery-emulator "$BIGQUERY_EMULATOR_VERSION")/bigquery-emulator" ]; then
    have clang++ || apt_install "clang (the BigQuery emulator's C++ needs it)" "$DEBIAN_PACKAGES_CLANG"
  fi
  CGO_ENABLED=1 CC=clang CXX=clang++ go_module_tool bigquery-emulator "$ROOT/scripts/go-tools/bigquery-emulator" \
    "$BIGQUERY_EMULATOR_VERSION" bigquery-emulator "$BIGQUERY_EMULATOR_MODULE"
  have chromium || apt_install "Chromium (the Web UI tests)" "$DEBIAN_PACKAGES_CHROMIUM"
  info "$(chromium --version 2>/dev/null | head -1)"
  # The offline infrastructure checks (scripts/check-infra.sh).
  go_tool tflint "$TFLINT_MODULE" "$TFLINT_VERSION" tflint
  pip_tool checkov "$CHECKOV_VERSION" >/dev/null
  have terraform || info "terraform: not on PATH (scripts/check-infra.sh needs it for fmt; install 1.5+)"
  have java || die "Java 17 is needed for the Pub/Sub emulator." "apt-get install -y openjdk-17-jre-headless"
  # The emulator jar ships only in Google's apt repository, so it is checked, not installed.
  if dpkg -L google-cloud-cli-pubsub-emulator 2>/dev/null | grep -q 'cloud-pubsub-emulator-.*-all\.jar$' ||
    ls /usr/lib/google-cloud-sdk/platform/pubsub-emulator/lib/cloud-pubsub-emulator-*-all.jar >/dev/null 2>&1; then
    info "Pub/Sub emulator: installed"
  else
    info "Pub/Sub emulator: not installed (Debian package google-cloud-cli-pubsub-emulator, Google Cloud CLI apt repository); the EventBus contract suite skips Pub/Sub"
  fi
fi
step "bootstrap complete"
