"""Offline checks of the Terraform in infra/terraform: the HCL is parsed with python-hcl2 (no provider, no network)
and compared with what the code and the generated schema say. Each ``check_*`` returns a list of problems (empty when
the rule holds), so a test can assert both that the real tree passes and that a broken copy fails with the problem.

``defaults`` is what infra/tests/config-defaults.ts prints: config defaults, Pub/Sub names, retention policy,
source tables, personal-data columns and the generator's output folders.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hcl2

REPO = Path(__file__).resolve().parents[2]
TERRAFORM = REPO / "infra" / "terraform"
PII_PLACEHOLDER = "{{PII_POLICY_TAG}}"
PRIMITIVE_ROLES = {"roles/owner", "roles/editor", "roles/viewer"}
PUBLIC_MEMBERS = {"allUsers", "allAuthenticatedUsers"}
# One service account per component of the platform (issue 15, item 8).
COMPONENTS = {
    "worker-etl",
    "worker-gdpr",
    "worker-stream",
    "api",
    "composer",
    "dataproc",
    "fn-event-processor",
    "fn-data-validation",
    "fn-alert-handler",
}


def _unquote(value: Any) -> Any:
    """python-hcl2 keeps string literals quoted (``'"x"'``) and expressions as ``'${...}'``: literals lose quotes."""
    if isinstance(value, str):
        if len(value) >= 2 and value.startswith('"') and value.endswith('"'):
            return value[1:-1]
        return value
    if isinstance(value, list):
        return [_unquote(v) for v in value]
    if isinstance(value, dict):
        return {_unquote(k): _unquote(v) for k, v in value.items() if k not in ("__is_block__", "__comments__")}
    return value


@dataclass
class Resource:
    type: str
    name: str
    body: dict[str, Any]
    file: Path


@dataclass
class Module:
    """Every block of one directory's *.tf files."""

    path: Path
    resources: list[Resource] = field(default_factory=list)
    variables: dict[str, dict[str, Any]] = field(default_factory=dict)
    locals: dict[str, Any] = field(default_factory=dict)
    calls: dict[str, dict[str, Any]] = field(default_factory=dict)
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    data: list[Resource] = field(default_factory=list)

    def of_type(self, kind: str) -> list[Resource]:
        return [r for r in self.resources if r.type == kind]

    def resource(self, kind: str, name: str) -> Resource:
        for r in self.resources:
            if r.type == kind and r.name == name:
                return r
        raise KeyError(f"{self.path.name}: no {kind}.{name}")

    def default(self, variable: str) -> Any:
        return self.variables[variable].get("default")


def _blocks(items: list[dict[str, Any]]) -> list[tuple[str, str, dict[str, Any]]]:
    out = []
    for item in items:
        for kind, named in item.items():
            for name, body in named.items():
                out.append((kind, name, body))
    return out


@functools.lru_cache(maxsize=256)
def _parse(text: str) -> Any:
    """Parsing is the slow part (lark): a broken copy re-parses only the file it changed."""
    return _unquote(hcl2.loads(text))


def load_module(path: Path) -> Module:
    module = Module(path)
    for tf in sorted(path.glob("*.tf")):
        doc = copy.deepcopy(_parse(tf.read_text()))
        for kind, name, body in _blocks(doc.get("resource", [])):
            module.resources.append(Resource(kind, name, body, tf))
        for kind, name, body in _blocks(doc.get("data", [])):
            module.data.append(Resource(kind, name, body, tf))
        for item in doc.get("variable", []):
            module.variables.update(item)
        for item in doc.get("locals", []):
            module.locals.update(item)
        for item in doc.get("module", []):
            module.calls.update(item)
        for item in doc.get("output", []):
            module.outputs.update(item)
    return module


@dataclass
class Tree:
    root: Path
    modules: dict[str, Module]
    envs: dict[str, Module]
    tfvars: dict[str, dict[str, Any]]

    def all_modules(self) -> list[Module]:
        return [*self.modules.values(), *self.envs.values()]


def load_tree(root: Path = TERRAFORM) -> Tree:
    modules = {p.name: load_module(p) for p in sorted((root / "modules").iterdir()) if p.is_dir()}
    envs = {p.name: load_module(p) for p in sorted((root / "envs").iterdir()) if p.is_dir()}
    tfvars = {env: copy.deepcopy(_parse((root / "envs" / env / "terraform.tfvars").read_text())) for env in envs}
    return Tree(root, modules, envs, tfvars)


def _strings(value: Any) -> list[str]:
    """Every string inside a parsed value (keys too), for searches like 'no primitive role anywhere'."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [*_strings(k), *_strings(v)]]
    return []


def render(template: str, values: dict[str, Any]) -> str:
    """Substitutes ``${expr}`` for the given expressions; an expression left over is an error (the HCL changed)."""
    out = template
    for expr, value in values.items():
        out = out.replace("${" + expr + "}", str(value))
    if "${" in out:
        raise ValueError(f"cannot render {template!r}: unknown expression in {out!r}")
    return out


def _generated_dir(module: Module, local_name: str) -> Path:
    """A module's local that names a generated folder as ``${path.module}/<relative>``, resolved."""
    value = module.locals.get(local_name, "")
    match = re.fullmatch(r"\$\{path\.module\}/(.+)", value)
    if not match:
        return Path("/nonexistent") / local_name
    return (module.path / match.group(1)).resolve()


# --- every bucket CMEK-encrypted ---------------------------------------------------------------------------------


def check_buckets_encrypted(tree: Tree) -> list[str]:
    problems = []
    buckets = [(m, r) for m in tree.all_modules() for r in m.of_type("google_storage_bucket")]
    if not buckets:
        problems.append("no google_storage_bucket found")
    for module, r in buckets:
        enc = r.body.get("encryption") or [{}]
        key = enc[0].get("default_kms_key_name", "")
        if not re.fullmatch(r"\$\{var\.kms_key\w*\}", key):
            problems.append(f"{module.path.name}: google_storage_bucket.{r.name} has no CMEK (encryption block)")
    # And every kms_key* input of the modules comes from the kms module's keys.
    platform = tree.modules["platform"]
    for call, args in platform.calls.items():
        for name, value in args.items():
            if name.startswith("kms_key") and not re.fullmatch(r'\$\{module\.kms\.keys\["[\w-]+"\]\}', value):
                problems.append(f"platform: module.{call}.{name} is not a key of module.kms ({value})")
    return problems


# --- every dataset's tables from generated JSON ------------------------------------------------------------------


def check_tables_generated(tree: Tree, defaults: dict[str, Any]) -> list[str]:
    problems = []
    bq = tree.modules["bigquery"]
    gen = defaults["generated"]
    expected = {
        "tables_dir": (REPO / gen["BIGQUERY_TABLES_DIR"]).resolve(),
        "views_dir": (REPO / gen["BIGQUERY_VIEWS_DIR"]).resolve(),
    }
    root = tree.root.resolve()
    for local_name, want in expected.items():
        got = _generated_dir(bq, local_name)
        # A broken copy lives elsewhere: compare paths relative to the Terraform root.
        if not got.is_relative_to(root) or got.relative_to(root) != want.relative_to(TERRAFORM):
            problems.append(f"bigquery: local.{local_name} is not the generator's {want.relative_to(REPO)}")
    for local_name, dir_local in (("tables", "tables_dir"), ("materialized_views", "views_dir")):
        if f'fileset(local.{dir_local}, "*.json")' not in bq.locals.get(local_name, ""):
            problems.append(f"bigquery: local.{local_name} is not read from the generated JSON of local.{dir_local}")

    # Which collection each table resource iterates, and which dataset it lands in.
    sources = {
        "tables": ("${local.tables}", "processed"),
        "materialized_views": ("${local.materialized_views}", "processed"),
        "reporting_views": ("${local.reporting_sources}", "reporting"),
        "raw": ("${toset(var.raw_tables)}", "raw"),
    }
    seen = set()
    for r in bq.of_type("google_bigquery_table"):
        want = sources.get(r.name)
        if want is None:
            problems.append(f"bigquery: google_bigquery_table.{r.name} is not built from generated JSON")
            continue
        if r.body.get("for_each") != want[0]:
            problems.append(
                f"bigquery: google_bigquery_table.{r.name} iterates {r.body.get('for_each')}, not {want[0]}"
            )
        if f'dataset["{want[1]}"]' not in r.body.get("dataset_id", ""):
            problems.append(f"bigquery: google_bigquery_table.{r.name} is not in the {want[1]} dataset")
        seen.add(want[1])
    datasets = set(bq.locals.get("datasets", {}))
    for ds in sorted(datasets - seen):
        problems.append(f"bigquery: dataset {ds} has no tables from generated JSON")
    reporting = bq.locals.get("reporting_sources", "")
    if "local.tables" not in reporting or "local.materialized_views" not in reporting:
        problems.append("bigquery: local.reporting_sources is not derived from the generated tables and views")

    # The generated JSON names BIGQUERY_DATASET, and the processed dataset takes its id from it.
    tables_dir = _generated_dir(bq, "tables_dir")
    dataset_ids = {json.loads(p.read_text())["tableReference"]["datasetId"] for p in tables_dir.glob("*.json")}
    if dataset_ids != {defaults["env"]["BIGQUERY_DATASET"]}:
        problems.append(f"generated tables name datasets {sorted(dataset_ids)}, not BIGQUERY_DATASET")
    if bq.locals.get("datasets", {}).get("processed", {}).get("id") != "${local.processed_dataset_id}":
        problems.append("bigquery: the processed dataset's id is not the generated tables' dataset")
    if bq.default("raw_tables") != defaults["sourceTables"]:
        problems.append(f"bigquery: raw_tables {bq.default('raw_tables')} != SOURCE_TABLES {defaults['sourceTables']}")
    return problems


# --- every personal-data column tagged ---------------------------------------------------------------------------


def check_pii_tagged(tree: Tree, defaults: dict[str, Any]) -> list[str]:
    problems = []
    bq = tree.modules["bigquery"]
    tables_dir = _generated_dir(bq, "tables_dir")
    for table, pii in defaults["piiColumns"].items():
        path = tables_dir / f"{table}.json"
        if not path.exists():
            problems.append(f"{table}: no generated table JSON")
            continue
        for f in json.loads(path.read_text())["schema"]["fields"]:
            tags = f.get("policyTags", {}).get("names", [])
            if f["name"] in pii and tags != [PII_PLACEHOLDER]:
                problems.append(f"{table}.{f['name']} is personal data without the PII policy tag")
            if f["name"] not in pii and tags:
                problems.append(f"{table}.{f['name']} carries a policy tag but is not personal data")
    schema = bq.resource("google_bigquery_table", "tables").body.get("schema", "")
    if (
        f'replace(jsonencode(each.value.schema.fields), "{PII_PLACEHOLDER}", google_data_catalog_policy_tag.pii.name)'
        not in schema
    ):
        problems.append("bigquery: the tables' schema does not replace the placeholder with the pii policy tag")
    policies = bq.of_type("google_bigquery_datapolicy_data_policy")
    if not any("google_data_catalog_policy_tag.pii.name" in p.body.get("policy_tag", "") for p in policies):
        problems.append("bigquery: no data-masking policy on the pii policy tag")
    return problems


# --- lifecycle rules equal the retention policy -------------------------------------------------------------------


def expected_lifecycle(retention: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The mapping documented in schema/generate/gcs-lifecycle.ts, written independently of it."""
    grace = retention["lifecycleGraceDays"]
    lake = retention["lake"]
    abort = {"action": {"type": "AbortIncompleteMultipartUpload"}, "condition": {"age": 1}}
    scratch = ["_staging/", "_activity/", "_retention/"]
    return {
        "raw": [abort],
        "processed": [
            {
                "action": {"type": "Delete"},
                "condition": {"age": lake["scratch"]["sweepAfterDays"] + grace, "matchesPrefix": scratch},
            },
            {"action": {"type": "Delete"}, "condition": {"age": lake["processed"]["deleteAfterDays"] + grace}},
            abort,
        ],
        "archive": [
            {
                "action": {"type": "Delete"},
                "condition": {
                    "age": lake["archive"]["deleteAfterDays"] - lake["raw"]["archiveAfterDays"] + grace,
                },
            },
            abort,
        ],
    }


def check_lifecycle(tree: Tree, defaults: dict[str, Any]) -> list[str]:
    problems = []
    storage = tree.modules["storage"]
    lifecycle_dir = _generated_dir(storage, "lifecycle_dir")
    want_dir = (REPO / defaults["generated"]["GCS_LIFECYCLE_DIR"]).relative_to(REPO / "infra" / "terraform")
    root = tree.root.resolve()
    if not lifecycle_dir.is_relative_to(root) or lifecycle_dir.relative_to(root) != want_dir:
        problems.append(
            f"storage: local.lifecycle_dir is not the generator's {defaults['generated']['GCS_LIFECYCLE_DIR']}"
        )
    if 'file("${local.lifecycle_dir}/${zone}.json")' not in storage.locals.get("lifecycle", ""):
        problems.append("storage: local.lifecycle does not read <lifecycle_dir>/<zone>.json per zone")
    for zone, rules in expected_lifecycle(defaults["retention"]).items():
        path = lifecycle_dir / f"{zone}.json"
        got = json.loads(path.read_text())["rule"] if path.exists() else None
        if got != rules:
            problems.append(f"lifecycle {zone}: {got} != retention policy {rules}")
    bucket = storage.resource("google_storage_bucket", "zone").body
    if bucket.get("lifecycle_rule"):
        problems.append("storage: zone buckets have a hand-written lifecycle_rule besides the generated ones")
    dyn = {k: v for d in bucket.get("dynamic", []) for k, v in d.items()}.get("lifecycle_rule")
    if not dyn or dyn.get("for_each") != "${local.lifecycle[each.key].rule}":
        problems.append("storage: lifecycle_rule is not rendered from local.lifecycle[each.key].rule")
    else:
        content = dyn["content"][0]
        if content["action"][0].get("type") != "${lifecycle_rule.value.action.type}":
            problems.append("storage: lifecycle action type is not the generated one")
        cond = content["condition"][0]
        if cond.get("age") != "${lifecycle_rule.value.condition.age}" or "matchesPrefix" not in cond.get(
            "matches_prefix", ""
        ):
            problems.append("storage: lifecycle condition (age, matches_prefix) is not the generated one")
    # Partition expirations of the warehouse follow the same policy.
    tables_dir = _generated_dir(tree.modules["bigquery"], "tables_dir")
    for table, days in defaults["retention"]["warehouse"].items():
        path = tables_dir / f"{table}.json"
        exp = json.loads(path.read_text()).get("timePartitioning", {}).get("expirationMs") if path.exists() else None
        if exp != str(days * 86_400_000):
            problems.append(f"{table}: partition expiration {exp} ms != {days} days of the retention policy")
    return problems


# --- names and ids equal the config defaults ---------------------------------------------------------------------


def check_pubsub_names(tree: Tree, defaults: dict[str, Any]) -> list[str]:
    problems = []
    ps = tree.modules["pubsub"]
    env = defaults["env"]
    if ps.default("archive_subscription") is not False:
        problems.append("pubsub: the Avro archive subscription is on by default (GDPR erasure does not scan it)")
    if ps.default("topic") != env["PUBSUB_TOPIC"]:
        problems.append(f"pubsub: default topic {ps.default('topic')} != PUBSUB_TOPIC {env['PUBSUB_TOPIC']}")
    if ps.default("stream_shards") != env["STREAM_SHARDS"]:
        problems.append(f"pubsub: default stream_shards {ps.default('stream_shards')} != STREAM_SHARDS")
    if ps.default("consumer_group") != defaults["consumerGroup"]:
        problems.append(f"pubsub: consumer_group {ps.default('consumer_group')} != {defaults['consumerGroup']}")
    keep = [s["keepDays"] for s in defaults["retention"]["streams"] if s["pattern"] == "events:*"]
    if [ps.default("message_retention_days")] != keep:
        problems.append(f"pubsub: message_retention_days {ps.default('message_retention_days')} != events:* {keep}")

    # Render the names the HCL builds and compare them with the ones the adapter derives.
    shard_template = re.search(r'=> "([^"]+)"', ps.locals.get("shards", ""))
    dlq_template = re.search(r'=> "([^"]+)"', ps.locals.get("dlq", ""))
    if not shard_template or not dlq_template:
        return [*problems, "pubsub: local.shards or local.dlq has no name template"]
    variables = {f"var.{v}": ps.default(v) for v in ("topic", "stream_prefix", "consumer_group")}
    consumer = ps.resource("google_pubsub_subscription", "consumer").body.get("name", "")
    reader = ps.resource("google_pubsub_subscription", "dlq_reader").body.get("name", "")
    try:
        for shard in defaults["shards"]:
            n = shard["stream"].rsplit(":", 1)[1]
            topic = render(shard_template.group(1), {**variables, "n": n})
            dlq = render(dlq_template.group(1), {"topic": topic})
            names = {
                "topic": topic,
                "subscription": render(consumer, {**variables, "each.value": topic}),
                "deadLetterTopic": dlq,
                "deadLetterSubscription": render(reader, {"each.value": dlq}),
            }
            for key, value in names.items():
                if value != shard[key]:
                    problems.append(f"pubsub: {key} {value} != {shard[key]} (adapters/event-bus/pubsub.ts)")
    except ValueError as e:
        problems.append(f"pubsub: {e}")
    if ps.resource("google_pubsub_topic", "base").body.get("name") != "${var.topic}":
        problems.append("pubsub: the base topic is not named var.topic")
    return problems


def check_names_vs_config(tree: Tree, defaults: dict[str, Any]) -> list[str]:
    """Module defaults and the prod tfvars equal config/schema.ts defaults; dev keeps the non-global names."""
    problems = []
    env = defaults["env"]
    buckets = {
        "raw": env["GCS_BUCKET_RAW"],
        "processed": env["GCS_BUCKET_PROCESSED"],
        "archive": env["GCS_BUCKET_ARCHIVE"],
    }
    platform = tree.modules["platform"]
    want = {
        ("storage", "buckets"): buckets,
        ("storage", "location"): env["BIGQUERY_LOCATION"],
        ("bigquery", "location"): env["BIGQUERY_LOCATION"],
        ("platform", "buckets"): buckets,
        ("platform", "region"): env["GCP_REGION"],
        ("platform", "data_location"): env["BIGQUERY_LOCATION"],
        ("platform", "pubsub_topic"): env["PUBSUB_TOPIC"],
        ("platform", "stream_shards"): env["STREAM_SHARDS"],
    }
    for (module, var), value in want.items():
        got = tree.modules[module].default(var)
        if got != value:
            problems.append(f"{module}: default {var} {got!r} != config default {value!r}")
    prod = tree.tfvars.get("prod", {})
    for var, value in (
        ("buckets", buckets),
        ("region", env["GCP_REGION"]),
        ("data_location", env["BIGQUERY_LOCATION"]),
        ("pubsub_topic", env["PUBSUB_TOPIC"]),
        ("stream_shards", env["STREAM_SHARDS"]),
    ):
        if prod.get(var) != value:
            problems.append(f"envs/prod: {var} {prod.get(var)!r} != config default {value!r}")
    for name, vars_ in tree.tfvars.items():
        for var in ("pubsub_topic", "stream_shards"):
            if vars_.get(var) != prod.get(var):
                problems.append(f"envs/{name}: {var} differs from prod (the topic is per project, not global)")
    functions = tree.modules["functions"]
    for key, var in (("ALERTS_TOPIC", "alerts_topic"), ("QUARANTINE_BUCKET", "quarantine_bucket")):
        if key in env and functions.default(var) != env[key]:
            problems.append(f"functions: default {var} {functions.default(var)!r} != config default {env[key]!r}")
    if platform.default("alerts_topic") != functions.default("alerts_topic"):
        problems.append("platform: alerts_topic differs from the functions module's default")
    if platform.default("stream_retention_days") != tree.modules["pubsub"].default("message_retention_days"):
        problems.append("platform: stream_retention_days differs from the pubsub module's retention")
    return problems


# --- Composer, IAM, secrets, dashboards ---------------------------------------------------------------------------


def _pin(text: str, package: str) -> str | None:
    match = re.search(rf"^{re.escape(package)}==(\S+)", text, re.M)
    return match.group(1) if match else None


def check_composer(tree: Tree) -> list[str]:
    problems = []
    composer = tree.modules["composer"]
    airflow = _pin((REPO / "requirements-dev.txt").read_text(), "apache-airflow")
    image = composer.default("image_version")
    if airflow is None or not re.fullmatch(rf"composer-3-airflow-{re.escape(airflow)}(-build\.\d+)?", image or ""):
        problems.append(f"composer: image {image} does not run the Airflow the DAG tests pin ({airflow})")
    temporalio = _pin((REPO / "dags" / "requirements.txt").read_text(), "temporalio")
    if composer.default("pypi_packages") != {"temporalio": f"=={temporalio}"}:
        problems.append(f"composer: pypi_packages {composer.default('pypi_packages')} != dags/requirements.txt")
    return problems


def check_iam(tree: Tree) -> list[str]:
    problems = []
    iam = tree.modules["iam"]
    components = set(iam.locals.get("components", {}))
    if components != COMPONENTS:
        problems.append(f"iam: service accounts {sorted(components)} != one per component {sorted(COMPONENTS)}")
    for module in tree.all_modules():
        for r in module.resources:
            for s in _strings(r.body):
                if s in PRIMITIVE_ROLES or re.search(r'"roles/(owner|editor|viewer)"', s):
                    problems.append(f"{module.path.name}: {r.type}.{r.name} grants a primitive role")
                if any(m in s for m in PUBLIC_MEMBERS):
                    problems.append(f"{module.path.name}: {r.type}.{r.name} grants access to the public")
    for s in _strings(iam.locals.get("components", {})):
        if s in PRIMITIVE_ROLES:
            problems.append("iam: a component has a primitive role")
    if not iam.of_type("google_service_account_iam_member") or "svc.id.goog" not in json.dumps(
        iam.resource("google_service_account_iam_member", "workload_identity").body
    ):
        problems.append("iam: no Workload Identity binding")
    secrets = iam.default("secrets") or {}
    schema = (REPO / "config" / "schema.ts").read_text()
    for var in ("PAYLOAD_CODEC_KEYS", "GDPR_SUBJECT_KEY", "NOTIFY_WEBHOOK_URL"):
        if var not in secrets.values():
            problems.append(f"iam: no Secret Manager secret for {var}")
        if f"{var}:" not in schema:
            problems.append(f"iam: {var} is not a config key of config/schema.ts")
    accessors = iam.default("secret_accessors") or {}
    for secret, names in accessors.items():
        if secret not in secrets:
            problems.append(f"iam: accessors for unknown secret {secret}")
        for name in names:
            if name not in COMPONENTS:
                problems.append(f"iam: secret {secret} readable by unknown component {name}")
    return problems


def check_dashboards(tree: Tree) -> list[str]:
    problems = []
    folder = tree.modules["monitoring"].path / "dashboards"
    files = sorted(folder.glob("*.json"))
    if {p.stem for p in files} < {"pipeline-health", "streaming", "api", "temporal-workers"}:
        problems.append(f"monitoring: dashboards {[p.stem for p in files]} miss one of the four")
    for path in files:
        try:
            board = json.loads(path.read_text())
        except json.JSONDecodeError as e:
            problems.append(f"monitoring: {path.name} is not JSON ({e})")
            continue
        tiles = board.get("mosaicLayout", {}).get("tiles", [])
        if not board.get("displayName") or not tiles:
            problems.append(f"monitoring: {path.name} has no displayName or no tiles")
        for tile in tiles:
            sets = tile.get("widget", {}).get("xyChart", {}).get("dataSets", [])
            if not sets or not all(s.get("timeSeriesQuery") for s in sets):
                problems.append(f"monitoring: {path.name} tile {tile.get('widget', {}).get('title')} has no query")
    return problems


# --- checkov waivers carry a reason ------------------------------------------------------------------------------


def check_checkov_waivers(root: Path) -> list[str]:
    """Every inline `#checkov:skip=ID:reason` names a check and gives a reason of a few words."""
    problems = []
    for tf in sorted(root.rglob("*.tf")):
        for number, line in enumerate(tf.read_text().splitlines(), 1):
            if "checkov:skip" not in line:
                continue
            match = re.search(r"#checkov:skip=(CKV2?_[A-Z]+_\d+):(.*)$", line)
            if not match or len(match.group(2).split()) < 4:
                problems.append(f"{tf.relative_to(root)}:{number}: a checkov waiver without a check id and a reason")
    return problems
