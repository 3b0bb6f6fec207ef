#!/usr/bin/env bash
# Smoke test of a deployed build, run inside the cluster as the workers' service account (the pipeline's last step):
#   1. `analytics health`: the platformHealthCheck workflow, each dependency with its latency; exit 1 if one fails;
#   2. unless --health-only: one small daily run, yesterday on dev (`analytics run daily --date D --rerun --wait`).
# Each is a one-off pod of the deployed image (kubectl run --rm), with the platform's ConfigMap and Secret.
# --dry-run prints the pod spec and the commands instead. Usage:
#   scripts/smoke-test.sh --env dev --image REPO:TAG --build-id ID [--health-only] [--dry-run]
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

env_name="" image="" build_id="" health_only=0 dry_run=0
while [ $# -gt 0 ]; do
  case "$1" in
    --env) env_name="$2"; shift 2 ;;
    --image) image="$2"; shift 2 ;;
    --build-id) build_id="$2"; shift 2 ;;
    --health-only) health_only=1; shift ;;
    --dry-run) dry_run=1; shift ;;
    *) die "unknown argument $1" "usage: scripts/smoke-test.sh --env dev|prod --image REPO:TAG --build-id ID [--health-only] [--dry-run]" ;;
  esac
done
[ -d "infra/k8s/overlays/$env_name" ] || die "--env: no overlay infra/k8s/overlays/$env_name"
[[ "$image" =~ ^[a-z0-9.-]+(/[a-z0-9._-]+)+(:[A-Za-z0-9._-]+)?(@sha256:[0-9a-f]{64})?$ ]] || die "--image: expected REPO:TAG (got '$image')"
[[ "$build_id" =~ ^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$ ]] || die "--build-id: lowercase letters, digits and - (got '$build_id')"
ns="hire10x-$env_name"

# The pod: same service account, configuration, secrets and security context as the workers.
overrides="$(python3 - "$build_id" <<'PY'
import json, sys
print(json.dumps({"apiVersion": "v1", "spec": {
  "serviceAccountName": "hire10x-analytics", "automountServiceAccountToken": False,
  "securityContext": {"runAsNonRoot": True, "runAsUser": 10001, "runAsGroup": 10001, "seccompProfile": {"type": "RuntimeDefault"}},
  "containers": [{"name": "smoke", "envFrom": [{"configMapRef": {"name": "analytics-config"}}, {"secretRef": {"name": "analytics-secrets"}}],
    "env": [{"name": "WORKER_BUILD_ID", "value": sys.argv[1]}],
    "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]}},
    "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}]}],
  "volumes": [{"name": "tmp", "emptyDir": {}}]}}))
PY
)"
smoke() {
  local name="smoke-$build_id-$1"
  shift
  local cmd=(kubectl -n "$ns" run "$name" --image="$image" --restart=Never --rm -i --quiet --pod-running-timeout=5m
    --overrides="$overrides" -- "$@")
  if [ "$dry_run" = 1 ]; then
    printf 'dry-run:'
    printf ' %q' "${cmd[@]}"
    printf '\n'
  else
    step "smoke: analytics $*"
    "${cmd[@]}"
  fi
}
smoke health health
if [ "$health_only" = 0 ]; then
  smoke daily run daily --date "$(date -u -d yesterday +%F)" --rerun --wait
fi
