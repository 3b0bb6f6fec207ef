#!/usr/bin/env bash
# Deploys one build of the image to a GKE environment (called by cloudbuild.yaml on main; by hand for prod promotion):
#   1. renders infra/k8s/overlays/<env> (API, configuration, secrets) and infra/k8s/overlays/<env>/workers once for
#      this build id: Deployments named worker-<queue>-<build id>, labelled hire10x.io/build-id, WORKER_BUILD_ID set;
#   2. applies both, waits for the new workers to roll out (readiness = polling);
#   3. makes the build the Worker Deployment's current version (`temporal worker deployment set-current-version`):
#      new runs start on it, runs already started stay PINNED to the build that started them;
#   4. deletes the worker Deployments of older builds whose version Temporal reports DRAINED (no open pinned run).
# --dry-run renders into --out and prints the kubectl/temporal commands instead of running them (the offline checks
# and CI's PR job render through it). Usage:
#   scripts/deploy-workers.sh --env dev --image REGISTRY/analytics:TAG@sha256:DIGEST --build-id ID [--dry-run] [--out DIR]
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

env_name="" image="" build_id="" dry_run=0 out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --env) env_name="$2"; shift 2 ;;
    --image) image="$2"; shift 2 ;;
    --build-id) build_id="$2"; shift 2 ;;
    --dry-run) dry_run=1; shift ;;
    --out) out="$2"; shift 2 ;;
    *) die "unknown argument $1" "usage: scripts/deploy-workers.sh --env dev|prod --image REPO:TAG@sha256:DIGEST --build-id ID [--dry-run] [--out DIR]" ;;
  esac
done
[ -d "infra/k8s/overlays/$env_name" ] || die "--env: no overlay infra/k8s/overlays/$env_name" "one of: $(ls infra/k8s/overlays | tr '\n' ' ')"
# The digest (Cloud Build's push output) pins exactly the image that was tested; the tag stays for people.
[[ "$image" =~ ^([a-z0-9.-]+(/[a-z0-9._-]+)+):([A-Za-z0-9._-]+)@(sha256:[0-9a-f]{64})$ ]] ||
  die "--image: expected REGISTRY/PATH:TAG@sha256:DIGEST (got '$image')"
repo="${BASH_REMATCH[1]}" tag="${BASH_REMATCH[3]}" digest="${BASH_REMATCH[4]}"
# A build id becomes part of Deployment names (DNS-1123, 63 characters with the worker-stream- prefix).
[[ "$build_id" =~ ^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$ ]] || die "--build-id: lowercase letters, digits and -, at most 40 (got '$build_id')"

KUSTOMIZE="$(tool_bin kustomize "$KUSTOMIZE_VERSION")/kustomize"
[ -x "$KUSTOMIZE" ] || go_tool kustomize "$KUSTOMIZE_MODULE" "$KUSTOMIZE_VERSION" kustomize
out="${out:-$(mktemp -d)}"
mkdir -p "$out"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# 1. Render. The wrappers live in a temp dir and name the overlays by relative path (kustomize refuses absolute ones).
mkdir -p "$work/platform" "$work/workers"
cat >"$work/platform/kustomization.yaml" <<YAML
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - $(realpath --relative-to="$work/platform" "$ROOT/infra/k8s/overlays/$env_name")
images:
  - { name: $repo, newName: $repo, digest: $digest }
YAML
cat >"$work/workers/kustomization.yaml" <<YAML
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - $(realpath --relative-to="$work/workers" "$ROOT/infra/k8s/overlays/$env_name/workers")
nameSuffix: -$build_id
labels:
  - pairs:
      hire10x.io/build-id: "$build_id"
    includeSelectors: true
    includeTemplates: true
images:
  - { name: $repo, newName: $repo, digest: $digest }
patches:
  - target: { kind: Deployment }
    patch: |-
      - op: add
        path: /spec/template/spec/containers/0/env/-
        value: { name: WORKER_BUILD_ID, value: "$build_id" }
YAML
"$KUSTOMIZE" build "$work/platform" >"$out/platform.yaml"
"$KUSTOMIZE" build "$work/workers" >"$out/workers.yaml"
info "rendered $out/platform.yaml and $out/workers.yaml (build $build_id, image $repo:$tag@$digest)"

run() {
  if [ "$dry_run" = 1 ]; then
    printf 'dry-run: %s\n' "$*"
  else
    "$@"
  fi
}

ns="hire10x-$env_name"
deployment_name="$(sed -n 's/^WORKER_DEPLOYMENT_NAME=//p' infra/k8s/base/platform/config.env)"
# 2. Apply, and wait until every new worker reports ready (its /readyz: polling, Temporal reachable).
run kubectl apply --server-side -f "$out/platform.yaml"
run kubectl apply --server-side -f "$out/workers.yaml"
run kubectl -n "$ns" rollout status deployment -l "hire10x.io/build-id=$build_id" --timeout=10m
run kubectl -n "$ns" rollout status deployment/analytics-api --timeout=10m
# 3. The new build takes new runs. The temporal CLI reads TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE (and TLS) from env.
run temporal worker deployment set-current-version --deployment-name "$deployment_name" --build-id "$build_id" --yes
# 4. Retire older builds that no pinned run needs any more.
if [ "$dry_run" = 1 ]; then
  printf 'dry-run: for each older build id B on deployments -l app.kubernetes.io/component=worker: if temporal worker deployment describe-version --deployment-name %s --build-id B reports DRAINED, kubectl -n %s delete deployment,hpa,pdb -l hire10x.io/build-id=B\n' "$deployment_name" "$ns"
else
  for old in $(kubectl -n "$ns" get deployments -l app.kubernetes.io/component=worker \
    -o jsonpath='{range .items[*]}{.metadata.labels.hire10x\.io/build-id}{"\n"}{end}' | sort -u); do
    [ "$old" = "$build_id" ] && continue
    status="$(temporal worker deployment describe-version --deployment-name "$deployment_name" --build-id "$old" -o json |
      python3 -c 'import json,sys; v=json.load(sys.stdin); print((v.get("drainageInfo") or {}).get("drainageStatus") or v.get("drainageStatus") or "")')"
    if [ "$status" = "drained" ] || [ "$status" = "DRAINED" ] || [ "$status" = "VERSION_DRAINAGE_STATUS_DRAINED" ]; then
      info "build $old drained: deleting its workers"
      kubectl -n "$ns" delete deployment,hpa,pdb -l "hire10x.io/build-id=$old"
    else
      info "build $old not drained yet (${status:-draining}): its workers stay"
    fi
  done
fi
