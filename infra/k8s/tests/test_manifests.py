"""Structural checks of the rendered Kubernetes manifests, beyond their schemas (kubernetes-validate) and checkov.

Renders each overlay the way the deploy does (scripts/deploy-workers.sh --dry-run, with a build id and an image
digest), then checks what ties the manifests to the code: the grace period against the activities' heartbeat timeouts
(workflows/policies.ts), every environment variable against config/schema.ts, probes against the configured ports,
one Deployment + PDB + HPA per task queue, the custom resources' references. Each check is also run once on a broken
copy, so a check that can no longer fail is noticed.
"""

from __future__ import annotations

import copy
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
QUEUES = ("etl", "gdpr", "stream")
BUILD_ID = "0123abc"
DIGEST = "sha256:" + "ab" * 32
Doc = dict[str, Any]


def render(env: str, out: Path) -> tuple[list[Doc], list[Doc]]:
    image = f"us-central1-docker.pkg.dev/hire10x-analytics-{env}/hire10x/analytics:{BUILD_ID}@{DIGEST}"
    subprocess.run(
        [
            "bash",
            "scripts/deploy-workers.sh",
            "--env",
            env,
            "--image",
            image,
            "--build-id",
            BUILD_ID,
            "--dry-run",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    load = lambda name: [d for d in yaml.safe_load_all((out / name).read_text()) if d]  # noqa: E731
    return load("platform.yaml"), load("workers.yaml")


@pytest.fixture(scope="module", params=["dev", "prod"])
def rendered(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, list[Doc]]:
    platform, workers = render(request.param, tmp_path_factory.mktemp(request.param))
    return request.param, platform + workers


def schema_keys() -> set[str]:
    text = (ROOT / "config/schema.ts").read_text()
    return set(re.findall(r"^    ([A-Z][A-Z0-9_]+):", text, re.M))


def longest_heartbeat_seconds() -> int:
    text = (ROOT / "workflows/policies.ts").read_text()
    units = {"second": 1, "seconds": 1, "minute": 60, "minutes": 60, "hour": 3600, "hours": 3600}
    found = [int(n) * units[u] for n, u in re.findall(r"heartbeatTimeout: '(\d+) (\w+)'", text)]
    assert found, "no heartbeatTimeout found in workflows/policies.ts"
    return max(found)


def of_kind(docs: list[Doc], kind: str) -> list[Doc]:
    return [d for d in docs if d["kind"] == kind]


def config_env(docs: list[Doc]) -> dict[str, str]:
    (cm,) = [d for d in of_kind(docs, "ConfigMap") if d["metadata"]["name"] == "analytics-config"]
    return dict(cm["data"])


def container_env(deployment: Doc) -> dict[str, str]:
    c = deployment["spec"]["template"]["spec"]["containers"][0]
    return {e["name"]: e.get("value", "") for e in c.get("env", [])}


def worker_problems(docs: list[Doc]) -> list[str]:
    """One Deployment per queue, with a grace period, probes, a PDB and an HPA (CPU + the queue's backlog)."""
    problems: list[str] = []
    heartbeat = longest_heartbeat_seconds()
    cfg = config_env(docs)
    workers = [
        d for d in of_kind(docs, "Deployment") if d["metadata"]["labels"].get("app.kubernetes.io/component") == "worker"
    ]
    served = sorted(container_env(d).get("WORKER_TASK_QUEUES", "") for d in workers)
    if served != sorted(QUEUES):
        problems.append(f"worker Deployments serve {served}, expected one per queue {sorted(QUEUES)}")
    for d in workers:
        name = d["metadata"]["name"]
        spec = d["spec"]["template"]["spec"]
        env = container_env(d)
        grace = spec.get("terminationGracePeriodSeconds", 30)
        drain = int(env.get("WORKER_SHUTDOWN_GRACE_SECONDS", cfg.get("WORKER_SHUTDOWN_GRACE_SECONDS", "15")))
        if grace < heartbeat:
            problems.append(f"{name}: terminationGracePeriodSeconds {grace} < longest heartbeat timeout {heartbeat}")
        if drain + 15 >= grace:
            problems.append(f"{name}: shutdown grace {drain}s + 15s force time does not fit in {grace}s")
        if env.get("WORKER_BUILD_ID") != d["metadata"]["labels"].get("hire10x.io/build-id"):
            problems.append(f"{name}: WORKER_BUILD_ID differs from its build-id label")
        c = spec["containers"][0]
        ports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
        if ports.get("health") != int(cfg["WORKER_HEALTH_PORT"]) or ports.get("metrics") != int(
            cfg["WORKER_METRICS_PORT"]
        ):
            problems.append(f"{name}: container ports {ports} differ from WORKER_HEALTH_PORT/WORKER_METRICS_PORT")
        for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/livez")):
            got = c.get(probe, {}).get("httpGet", {})
            if got.get("path") != path or got.get("port") != "health":
                problems.append(f"{name}: {probe} should GET {path} on the health port (got {got})")
        selector = d["spec"]["selector"]["matchLabels"]
        pdbs = [p for p in of_kind(docs, "PodDisruptionBudget") if p["spec"]["selector"]["matchLabels"] == selector]
        if len(pdbs) != 1:
            problems.append(f"{name}: {len(pdbs)} PodDisruptionBudgets select it")
        hpas = [h for h in of_kind(docs, "HorizontalPodAutoscaler") if h["spec"]["scaleTargetRef"]["name"] == name]
        if len(hpas) != 1:
            problems.append(f"{name}: {len(hpas)} HPAs target it")
            continue
        metrics = hpas[0]["spec"]["metrics"]
        if not any(m["type"] == "Resource" and m["resource"]["name"] == "cpu" for m in metrics):
            problems.append(f"{name}: HPA without a CPU metric")
        queue = env.get("WORKER_TASK_QUEUES")
        external = [m["external"]["metric"] for m in metrics if m["type"] == "External"]
        if not any(queue in (e.get("selector", {}).get("matchLabels", {}).values()) for e in external):
            problems.append(f"{name}: HPA has no external backlog metric selecting queue {queue}")
    return problems


def reference_problems(docs: list[Doc]) -> list[str]:
    """Environment variables exist in config/schema.ts; references between resources resolve."""
    problems: list[str] = []
    keys = schema_keys()
    for k in config_env(docs):
        if k not in keys:
            problems.append(f"ConfigMap analytics-config: {k} is not a variable of config/schema.ts")
    spcs = {d["metadata"]["name"]: d for d in of_kind(docs, "SecretProviderClass")}
    secret_keys = {o["key"] for spc in spcs.values() for so in spc["spec"].get("secretObjects", []) for o in so["data"]}
    for k in secret_keys - keys:
        problems.append(f"SecretProviderClass: {k} is not a variable of config/schema.ts")
    for d in of_kind(docs, "Deployment"):
        name = d["metadata"]["name"]
        spec = d["spec"]["template"]["spec"]
        for k in container_env(d):
            if k not in keys:
                problems.append(f"{name}: env {k} is not a variable of config/schema.ts")
        for v in spec.get("volumes", []):
            ref = v.get("csi", {}).get("volumeAttributes", {}).get("secretProviderClass")
            if ref is not None and ref not in spcs:
                problems.append(f"{name}: volume {v['name']} names SecretProviderClass {ref}, which is not rendered")
        sa = spec.get("serviceAccountName")
        if sa not in {s["metadata"]["name"] for s in of_kind(docs, "ServiceAccount")}:
            problems.append(f"{name}: service account {sa} is not rendered")
    services = {s["metadata"]["name"]: s for s in of_kind(docs, "Service")}
    for route in of_kind(docs, "HTTPRoute"):
        for rule in route["spec"]["rules"]:
            for b in rule["backendRefs"]:
                svc = services.get(b["name"])
                if svc is None or b["port"] not in {p["port"] for p in svc["spec"]["ports"]}:
                    problems.append(
                        f"HTTPRoute {route['metadata']['name']}: backend {b['name']}:{b['port']} is no Service port"
                    )
    for sa in of_kind(docs, "ServiceAccount"):
        if (
            not sa["metadata"]
            .get("annotations", {})
            .get("iam.gke.io/gcp-service-account", "")
            .endswith(".iam.gserviceaccount.com")
        ):
            problems.append(f"ServiceAccount {sa['metadata']['name']}: no Workload Identity annotation")
    images = {c["image"] for d in of_kind(docs, "Deployment") for c in d["spec"]["template"]["spec"]["containers"]}
    if len(images) != 1:
        problems.append(f"the worker and the API should run one image, found {sorted(images)}")
    return problems


def test_workers(rendered: tuple[str, list[Doc]]) -> None:
    assert worker_problems(rendered[1]) == []


def test_references(rendered: tuple[str, list[Doc]]) -> None:
    assert reference_problems(rendered[1]) == []


def test_prod_connects_to_temporal_cloud_with_mtls(rendered: tuple[str, list[Doc]]) -> None:
    env, docs = rendered
    cfg = config_env(docs)
    if env != "prod":
        assert "TEMPORAL_TLS_CERT" not in cfg
        return
    (spc,) = of_kind(docs, "SecretProviderClass")
    mounted = {s["path"] for s in yaml.safe_load(spc["spec"]["parameters"]["secrets"])}
    for var in ("TEMPORAL_TLS_CERT", "TEMPORAL_TLS_KEY"):
        assert Path(cfg[var]).name in mounted, f"{var}={cfg[var]} is not a file the CSI volume mounts"
        assert cfg[var].startswith(cfg["SECRETS_DIR"] + "/")


def _mutations(docs: list[Doc]) -> list[tuple[str, list[Doc]]]:
    out = []
    broken = copy.deepcopy(docs)
    next(d for d in broken if d["kind"] == "Deployment" and "worker-etl" in d["metadata"]["name"])["spec"]["template"][
        "spec"
    ]["terminationGracePeriodSeconds"] = 30
    out.append(("grace below the heartbeat timeout", broken))
    broken = [
        d for d in copy.deepcopy(docs) if not (d["kind"] == "PodDisruptionBudget" and "gdpr" in d["metadata"]["name"])
    ]
    out.append(("missing PDB", broken))
    broken = copy.deepcopy(docs)
    hpa = next(d for d in broken if d["kind"] == "HorizontalPodAutoscaler" and "stream" in d["metadata"]["name"])
    hpa["spec"]["metrics"] = [m for m in hpa["spec"]["metrics"] if m["type"] != "External"]
    out.append(("HPA without backlog metric", broken))
    return out


def test_each_worker_check_fails_on_a_broken_copy(rendered: tuple[str, list[Doc]]) -> None:
    for what, broken in _mutations(rendered[1]):
        assert worker_problems(broken), f"no problem reported for: {what}"


def test_each_reference_check_fails_on_a_broken_copy(rendered: tuple[str, list[Doc]]) -> None:
    broken = copy.deepcopy(rendered[1])
    next(d for d in broken if d["kind"] == "ConfigMap")["data"]["WORKER_HEALTHPORT"] = "1"
    route = next(d for d in broken if d["kind"] == "HTTPRoute")
    route["spec"]["rules"][0]["backendRefs"][0]["port"] = 8081
    problems = reference_problems(broken)
    assert any("WORKER_HEALTHPORT" in p for p in problems)
    assert any("HTTPRoute" in p for p in problems)
