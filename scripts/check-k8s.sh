#!/usr/bin/env bash
# Offline checks of infra/k8s (part of `npm test`; alone: `bash scripts/check-k8s.sh`). Nothing talks to a cluster:
#   1. renders each overlay the way the deploy does (scripts/deploy-workers.sh --dry-run: build id, image digest),
#      plus infra/k8s/monitoring, with kustomize built from the Go module proxy (scripts/versions.env);
#   2. validates every object with kubernetes-validate --strict against the bundled Kubernetes schemas; the custom
#      resources it has no schema for must be exactly the known CRD kinds (their references are checked in step 4),
#      and a deliberately broken Deployment must be refused (the validator is really validating);
#   3. checkov (framework kubernetes, --skip-download; waivers with reasons in infra/k8s/.checkov.yaml);
#   4. the structural tests of infra/k8s/tests (grace period vs heartbeat timeouts, env vs config/schema.ts, PDB and
#      HPA per queue, references between resources), each also run on a broken copy.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

go_tool kustomize "$KUSTOMIZE_MODULE" "$KUSTOMIZE_VERSION" kustomize
KUSTOMIZE="$(tool_bin kustomize "$KUSTOMIZE_VERSION")/kustomize"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

step "render infra/k8s (kustomize $KUSTOMIZE_VERSION): dev, prod, monitoring"
digest="sha256:$(printf 'offline-check' | sha256sum | cut -c1-64)"
for env in dev prod; do
  mkdir -p "$out/$env"
  bash scripts/deploy-workers.sh --env "$env" --build-id offline-check --dry-run --out "$out/$env" \
    --image "us-central1-docker.pkg.dev/hire10x-analytics-$env/hire10x/analytics:offline-check@$digest" >/dev/null
done
mkdir -p "$out/monitoring"
"$KUSTOMIZE" build infra/k8s/monitoring >"$out/monitoring/monitoring.yaml"
files=("$out"/*/*.yaml)

step "kubernetes-validate $KUBERNETES_VALIDATE_VERSION --strict (Kubernetes $KUBERNETES_SCHEMA_VERSION)"
KV="$(pip_tool kubernetes-validate "$KUBERNETES_VALIDATE_VERSION")/kubernetes-validate"
"$KV" --strict -k "$KUBERNETES_SCHEMA_VERSION" "${files[@]}" >"$out/validate.log" 2>&1 || {
  grep -v '^INFO' "$out/validate.log" >&2
  die "kubernetes-validate refused the manifests (above)"
}
info "$(grep -c '^INFO.*passed' "$out/validate.log") objects valid"
# Objects without a bundled schema: only these custom resources may be among them.
expected_crds="HTTPRoute HealthCheckPolicy PodMonitoring SecretProviderClass"
unvalidated="$(sed -n "s/.*Couldn't find schema for kind \([A-Za-z]*\) .*/\1/p" "$out/validate.log" | sort -u | tr '\n' ' ' | sed 's/ $//')"
[ "$unvalidated" = "$expected_crds" ] ||
  die "objects without a schema: '$unvalidated', expected exactly the custom resources '$expected_crds'" \
    "A new built-in kind must validate; a new CRD goes into this list and into infra/k8s/tests."
info "custom resources (no bundled schema; checked by infra/k8s/tests): $unvalidated"
# The validator must refuse an unknown field (strict) in a Deployment: proves it is not passing everything.
sed 's/^\(\s*\)terminationGracePeriodSeconds:/\1terminationGracePeriodSecondz:/' "$out/dev/workers.yaml" >"$out/broken.yaml"
if "$KV" --strict -k "$KUBERNETES_SCHEMA_VERSION" --quiet "$out/broken.yaml" >/dev/null 2>&1; then
  die "kubernetes-validate accepted a Deployment with an unknown field: the strict check is not working"
fi
info "a Deployment with an unknown field is refused, as it should be"
rm "$out/broken.yaml"

step "checkov $CHECKOV_VERSION (framework kubernetes; waivers: infra/k8s/.checkov.yaml)"
CHECKOV="$(pip_tool checkov "$CHECKOV_VERSION")/checkov"
"$CHECKOV" --config-file infra/k8s/.checkov.yaml -d "$out"

step "structural tests (infra/k8s/tests)"
bash scripts/pytest.sh infra/k8s/tests
