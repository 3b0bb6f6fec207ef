"""The rules a LookML project over the warehouse must keep, each returning Problems (none means it holds).

- views read tables of the generated schema, in the warehouse's dataset, and only columns those tables have; no view
  exposes a personal column; dimension types match column types (dates and timestamps are dimension_groups, DATE
  ones with `datatype: date` so filters compare dates and BigQuery prunes partitions);
- `${field}` names a field of the same view; `${view.field}` and `{% condition view.field %}` name a field of a view
  the explore joins;
- explores and joins name existing views; joins have sql_on and a relationship; an explore over a partitioned table
  always filters its partition column, and a joined partitioned table gets the same filter in its sql_on;
- every explore persists with an existing datagroup (explores over reporting tables: one triggered by pipeline_runs);
  a datagroup's sql_trigger reads existing tables and columns;
- dashboard tiles name existing explores and fields of them (joined views included), `listen:` names dashboard
  filters and fields of the tile's explore; every dashboard has a tenant and a date filter, every tile listens to the
  date filter on its partition column and to the tenant filter (a tile whose explore has no tenant says so in
  `note_text`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from dashboards.lookml_check.problems import Problem
from dashboards.lookml_check.project import Explore, Field, Project, View, filter_pairs
from dashboards.lookml_check.schema import Table, Warehouse

_CONSTANT = re.compile(r"@\{([A-Za-z0-9_]+)\}")
_REF = re.compile(r"\$\{([^}]*)\}")
_TABLE_COLUMN = re.compile(r"\$\{TABLE\}\.`?([A-Za-z_][A-Za-z0-9_]*)`?")
_CONDITION = re.compile(r"\{%\s*condition\s+([A-Za-z0-9_.]+)\s*%\}(.*?)\{%\s*endcondition\s*%\}", re.S)
_DOTTED = re.compile(r"`?[A-Za-z0-9_-]+`?(?:\.`?[A-Za-z0-9_-]+`?)+")
_STRING = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")
_IDENT = re.compile(r"\b[A-Za-z_][A-Za-z0-9_]*\b")

_NUMBER_TYPES = {"INTEGER", "FLOAT", "NUMERIC", "BIGNUMERIC"}
_EXPECTED_DIMENSION_TYPE = {
    **{t: "number" for t in _NUMBER_TYPES},
    "STRING": "string",
    "JSON": "string",
    "BOOLEAN": "yesno",
}
_NUMERIC_AGGREGATES = {"sum", "average", "sum_distinct", "average_distinct", "median", "percentile"}
_RELATIONSHIPS = {"many_to_one", "one_to_one", "one_to_many", "many_to_many"}
_JOIN_TYPES = {"left_outer", "full_outer", "inner", "cross"}
_QUERYLESS_ELEMENTS = {"text", "button"}
# The SQL a datagroup trigger may use besides column names (BigQuery standard SQL, upper-cased).
_SQL_WORDS = set(
    """SELECT FROM WHERE AND OR NOT IN IS NULL AS UNION ALL DISTINCT MAX MIN COUNT SUM AVG CURRENT_DATE
    CURRENT_TIMESTAMP DATE_SUB DATE_ADD TIMESTAMP_SUB TIMESTAMP_ADD DATE TIMESTAMP INTERVAL DAY HOUR MINUTE SECOND
    WEEK MONTH YEAR GREATEST LEAST COALESCE IFNULL TRUE FALSE BETWEEN LIKE CAST STRING INT64 GROUP BY ORDER LIMIT
    CASE WHEN THEN ELSE END""".split()
)


@dataclass
class Report:
    problems: list[Problem]
    summary: str


def _constants(project: Project, text: str) -> tuple[str, list[str]]:
    unknown = [m for m in _CONSTANT.findall(text) if m not in project.constants]
    return _CONSTANT.sub(lambda m: project.constants.get(m.group(1), m.group(0)), text), unknown


def _table_parts(name: str) -> list[str]:
    """`[project.]dataset.table`, with or without backticks around any part or the whole."""
    return [p for p in name.strip().replace("`", "").split(".") if p]


def _cross_refs(sql: str | None) -> list[str]:
    """The `view.field` names a SQL snippet reaches other views through: `${view.field}` and `{% condition %}`."""
    if not sql:
        return []
    refs = [r for r in _REF.findall(sql) if "." in r and not r.endswith(".SQL_TABLE_NAME")]
    return refs + [m.group(1) for m in _CONDITION.finditer(sql)]


class _Checker:
    def __init__(self, project: Project, warehouse: Warehouse) -> None:
        self.p = project
        self.wh = warehouse
        self.problems: list[Problem] = list(project.problems)
        self.view_tables: dict[str, Table] = {}
        self.included: dict[str, str] = {}  # file -> model that includes it
        self.tiles = 0

    def report(self, file: str, element: str, message: str) -> None:
        problem = Problem(file, element, message)
        if problem not in self.problems:
            self.problems.append(problem)

    # --- models and includes -------------------------------------------------------------------------------------

    def models(self) -> None:
        if not self.p.models:
            self.report("(project)", "model", "no *.model.lkml file")
        for model in self.p.models:
            if not model.raw.get("connection"):
                self.report(model.file, f"model {model.name}", "has no connection")
            for pattern in model.raw.get("includes", []):
                base = self.p.root if pattern.startswith("/") else (self.p.root / model.file).parent
                matched = [p.relative_to(self.p.root).as_posix() for p in base.glob(pattern.lstrip("/"))]
                if not matched:
                    self.report(model.file, f"model {model.name}", f"include {pattern!r} matches no file")
                for rel in matched:
                    self.included.setdefault(rel, model.name)
            self.included.setdefault(model.file, model.name)
        for rel in self.p.files:
            if rel != "manifest.lkml" and not rel.endswith(".model.lkml") and rel not in self.included:
                self.report(rel, "file", "no model includes it, so Looker ignores it")

    def model_of(self, file: str) -> dict[str, Any]:
        name = self.included.get(file)
        return next((m.raw for m in self.p.models if m.name == name), {})

    # --- views ---------------------------------------------------------------------------------------------------

    def views(self) -> None:
        for view in self.p.views.values():
            table = self.view_table(view)
            for f in view.fields.values():
                self.view_field(view, table, f)
            if table:
                for group_name, group in view.groups.items():
                    self.time_group(view, table, group_name, group)

    def view_table(self, view: View) -> Table | None:
        where = f"view {view.name}"
        if not view.sql_table_name:
            self.report(view.file, where, "has no sql_table_name (derived tables are not checked, so not allowed)")
            return None
        resolved, unknown = _constants(self.p, view.sql_table_name)
        for name in unknown:
            self.report(view.file, where, f"sql_table_name uses @{{{name}}}, which manifest.lkml does not define")
        parts = _table_parts(resolved)
        if len(parts) not in (2, 3):
            self.report(view.file, where, f"sql_table_name {resolved!r} is not [project.]dataset.table")
            return None
        dataset, name = parts[-2], parts[-1]
        if dataset != self.wh.dataset:
            self.report(
                view.file,
                where,
                f"sql_table_name {resolved!r} names dataset {dataset!r}, but the warehouse dataset is "
                f"{self.wh.dataset!r} (schema/warehouse/dataset.ts)",
            )
            return None
        table = self.wh.tables.get(name)
        if table is None:
            self.report(view.file, where, f"sql_table_name {resolved!r}: table {name!r} is not in the generated schema")
            return None
        self.view_tables[view.name] = table
        return table

    def view_field(self, view: View, table: Table | None, f: Field) -> None:
        where = f"view {view.name}, {f.kind} {f.group or f.name}"
        sql = f.sql or ""
        for name in _constants(self.p, sql)[1]:
            self.report(view.file, where, f"uses @{{{name}}}, which manifest.lkml does not define")
        if table:
            for column in _TABLE_COLUMN.findall(sql):
                col = table.columns.get(column)
                if col is None:
                    self.report(
                        view.file, where, f"${{TABLE}}.{column}: no column {column} in {table.dataset}.{table.name}"
                    )
                elif col.personal_reason:
                    self.report(
                        view.file,
                        where,
                        f"exposes personal column {table.name}.{column} ({col.personal_reason}): dashboards must not",
                    )
        for ref in _REF.findall(sql):
            if ref != "TABLE" and "." not in ref and ref not in view.fields:
                self.report(view.file, where, f"${{{ref}}} is not a field of view {view.name}")
        for name, _ in f.filters:
            if "." not in name and name not in view.fields:
                self.report(view.file, where, f"filters on {name}, which is not a field of view {view.name}")
        if f.kind == "dimension_group":
            return
        simple = _TABLE_COLUMN.fullmatch(sql.strip())
        if f.kind == "dimension" and simple and table and simple.group(1) in table.columns:
            col_type = table.columns[simple.group(1)].type
            if col_type in ("DATE", "TIMESTAMP"):
                self.report(
                    view.file, where, f"{col_type} column {simple.group(1)}: use a dimension_group of type time"
                )
            elif _EXPECTED_DIMENSION_TYPE.get(col_type, f.type) != f.type:
                self.report(
                    view.file,
                    where,
                    f"type {f.type} over {col_type} column {simple.group(1)}: "
                    f"expected {_EXPECTED_DIMENSION_TYPE[col_type]}",
                )
        if f.kind == "measure" and f.type in _NUMERIC_AGGREGATES:
            for ref in _REF.findall(sql):
                target = view.fields.get(ref)
                if target and target.kind == "dimension" and target.type != "number":
                    self.report(view.file, where, f"type {f.type} over ${{{ref}}}, a {target.type} dimension")
            if table:
                for column in _TABLE_COLUMN.findall(sql):
                    col = table.columns.get(column)
                    if col and col.type not in _NUMBER_TYPES:
                        self.report(view.file, where, f"type {f.type} over {col.type} column {column}")

    def time_group(self, view: View, table: Table, name: str, group: dict[str, Any]) -> None:
        where = f"view {view.name}, dimension_group {name}"
        simple = _TABLE_COLUMN.fullmatch((group.get("sql") or "").strip())
        if not simple or simple.group(1) not in table.columns or group.get("type", "time") != "time":
            return
        col_type = table.columns[simple.group(1)].type
        if col_type == "DATE" and group.get("datatype") != "date":
            self.report(
                view.file,
                where,
                f"DATE column {simple.group(1)} needs `datatype: date` (else Looker casts it and filters stop pruning)",
            )
        elif col_type == "TIMESTAMP" and group.get("datatype", "timestamp") != "timestamp":
            self.report(view.file, where, f"TIMESTAMP column {simple.group(1)} with datatype {group.get('datatype')}")
        elif col_type not in ("DATE", "TIMESTAMP"):
            self.report(view.file, where, f"a time dimension_group over {col_type} column {simple.group(1)}")

    def partition_fields(self, view: View) -> set[str]:
        """The view's fields that are its table's partition column itself, which is what lets BigQuery prune: a plain
        dimension on it or a dimension_group's raw and date timeframes (week, month... filter truncated values)."""
        table = self.view_tables.get(view.name)
        if not table or not table.partition_column:
            return set()
        return {
            f.name
            for f in view.fields.values()
            if (m := _TABLE_COLUMN.fullmatch((f.sql or "").strip()))
            and m.group(1) == table.partition_column
            and (f.group is None or f.name in (f"{f.group}_raw", f"{f.group}_date"))
        }

    # --- explores ------------------------------------------------------------------------------------------------

    def aliases(self, explore: Explore) -> dict[str, tuple[View, list[str] | None]]:
        """alias -> (view, the join's `fields` list or None for all), for the views that exist."""
        out: dict[str, tuple[View, list[str] | None]] = {}
        base = self.p.views.get(explore.view)
        if base:
            out[explore.alias] = (base, None)
        for join in explore.joins:
            view = self.p.views.get(join.view)
            if view:
                out[join.alias] = (view, join.raw.get("fields"))
        return out

    def explore_fields(self, explore: Explore) -> dict[str, Field]:
        fields: dict[str, Field] = {}
        for alias, (view, only) in self.aliases(explore).items():
            for name, f in view.fields.items():
                if only is None or name in only:
                    fields[f"{alias}.{name}"] = f
        return fields

    def explores(self) -> None:
        for explore in self.p.explores.values():
            self.explore(explore)

    def explore(self, explore: Explore) -> None:
        where = f"explore {explore.name}"
        file = explore.file
        if explore.view not in self.p.views:
            self.report(file, where, f"base view {explore.view} does not exist")
            return
        seen = {explore.alias}
        for join in explore.joins:
            jw = f"{where}, join {join.alias}"
            if join.alias in seen:
                self.report(file, jw, "joins the name twice")
            seen.add(join.alias)
            if join.view not in self.p.views:
                self.report(file, jw, f"view {join.view} does not exist")
            if not join.raw.get("sql_on"):
                self.report(file, jw, "has no sql_on")
            if join.raw.get("relationship") not in _RELATIONSHIPS:
                self.report(file, jw, f"relationship must be one of {sorted(_RELATIONSHIPS)}")
            if join.raw.get("type", "left_outer") not in _JOIN_TYPES:
                self.report(file, jw, f"type must be one of {sorted(_JOIN_TYPES)}")
        aliases = self.aliases(explore)
        fields = self.explore_fields(explore)

        def resolve(ref: str, context: str, ref_file: str) -> None:
            alias = ref.partition(".")[0]
            if alias not in aliases:
                self.report(ref_file, context, f"references {ref}, but explore {explore.name} does not join {alias}")
            elif ref not in fields:
                self.report(ref_file, context, f"references {ref}, which is not a field of explore {explore.name}")

        for join in explore.joins:
            sql_on = join.raw.get("sql_on") or ""
            for ref in _REF.findall(sql_on):
                if "." not in ref:
                    self.report(file, f"{where}, join {join.alias}", f"sql_on ${{{ref}}} must be ${{view.field}}")
            for ref in _cross_refs(sql_on):
                # A join condition may use a view's fields that a join's `fields` list leaves out of the menus.
                alias, _, name = ref.partition(".")
                if alias not in aliases:
                    self.report(file, f"{where}, join {join.alias}", f"sql_on references {ref}: {alias} is not joined")
                elif name not in aliases[alias][0].fields:
                    self.report(file, f"{where}, join {join.alias}", f"sql_on references {ref}: no such field")
            if join.raw.get("fields") is not None and join.view in self.p.views:
                for name in join.raw["fields"]:
                    if name.rstrip("*") not in self.p.views[join.view].fields:
                        self.report(file, f"{where}, join {join.alias}", f"fields lists {name}, not in {join.view}")
        for alias, (view, _) in aliases.items():
            for f in view.fields.values():
                for ref in _cross_refs(f.sql) + [n for n, _ in f.filters if "." in n]:
                    resolve(ref, f"{where}: view {view.name} (as {alias}), {f.kind} {f.group or f.name}", view.file)
        always = filter_pairs(explore.raw.get("always_filter", {}))
        conditional = filter_pairs(explore.raw.get("conditionally_filter", {}))
        unless = explore.raw.get("conditionally_filter", {}).get("unless", [])
        for name, _ in always + conditional + [(u, "") for u in unless]:
            if name not in fields:
                self.report(file, where, f"filters on {name}, which is not a field of the explore")
        self.partition_filter(explore, always, conditional, unless)
        self.persistence(explore)

    def partition_filter(
        self,
        explore: Explore,
        always: list[tuple[str, str]],
        conditional: list[tuple[str, str]],
        unless: list[str],
    ) -> None:
        where = f"explore {explore.name}"
        base = self.p.views[explore.view]
        table = self.view_tables.get(base.name)
        part = {f"{explore.alias}.{n}" for n in self.partition_fields(base)}
        if table and table.partition_column:
            filtered = any(n in part and v.strip() for n, v in always) or (
                any(n in part and v.strip() for n, v in conditional) and all(u in part for u in unless)
            )
            if not filtered:
                required = " and requires a partition filter" if table.require_partition_filter else ""
                self.report(
                    explore.file,
                    where,
                    f"{table.name} is partitioned by {table.partition_column}{required}, but the explore has no "
                    f"always_filter (or conditionally_filter without other escapes) on its partition column "
                    f"({' or '.join(sorted(part)) or 'no raw/date field of the view is built on it'})",
                )
        for join in explore.joins:
            view = self.p.views.get(join.view)
            jtable = self.view_tables.get(join.view) if view else None
            if not view or not jtable or not jtable.partition_column:
                continue
            jpart = {f"${{{join.alias}.{n}}}" for n in self.partition_fields(view)}
            sql_on = join.raw.get("sql_on") or ""
            pruned = any(
                m.group(1) in part and any(ref in m.group(2) for ref in jpart) for m in _CONDITION.finditer(sql_on)
            )
            if not pruned:
                self.report(
                    explore.file,
                    f"{where}, join {join.alias}",
                    f"{jtable.name} is partitioned by {jtable.partition_column}: sql_on must repeat the explore's "
                    f"partition filter on it ({{% condition <{' or '.join(sorted(part)) or 'base partition field'}> %}}"
                    f" ${{{join.alias}.<its {jtable.partition_column} field>}} {{% endcondition %}}); a join "
                    f"condition alone does not prune its partitions",
                )

    def persistence(self, explore: Explore) -> None:
        where = f"explore {explore.name}"
        name = explore.raw.get("persist_with") or self.model_of(explore.file).get("persist_with")
        if not name:
            self.report(explore.file, where, "has no persist_with (explore or model): results are never cached")
            return
        group = self.p.datagroups.get(name)
        if group is None:
            self.report(explore.file, where, f"persist_with {name}: no such datagroup")
            return
        table = self.view_tables.get(explore.view)
        if table and table.kind == "reporting" and "pipeline_runs" not in (group.raw.get("sql_trigger") or ""):
            self.report(
                explore.file,
                where,
                f"reporting table {table.name} changes when the pipeline publishes: persist with a datagroup "
                f"triggered by pipeline_runs, not {name}",
            )

    # --- datagroups ----------------------------------------------------------------------------------------------

    def datagroups(self) -> None:
        for group in self.p.datagroups.values():
            where = f"datagroup {group.name}"
            if not group.raw.get("max_cache_age"):
                self.report(group.file, where, "has no max_cache_age")
            trigger = group.raw.get("sql_trigger")
            if not trigger and not group.raw.get("interval_trigger"):
                self.report(group.file, where, "has neither sql_trigger nor interval_trigger")
            if not trigger:
                continue
            sql, unknown = _constants(self.p, trigger)
            for name in unknown:
                self.report(group.file, where, f"sql_trigger uses @{{{name}}}, which manifest.lkml does not define")
            tables: list[Table] = []
            for dotted in _DOTTED.findall(sql):
                parts = _table_parts(dotted)
                if parts[-2] != self.wh.dataset:
                    self.report(group.file, where, f"sql_trigger reads {dotted}: dataset is not {self.wh.dataset}")
                elif parts[-1] not in self.wh.tables:
                    self.report(group.file, where, f"sql_trigger reads {dotted}: no such table in the schema")
                else:
                    tables.append(self.wh.tables[parts[-1]])
            if not tables:
                continue
            words = _IDENT.findall(_DOTTED.sub(" ", _STRING.sub(" ", sql)))
            aliases = {b for a, b in zip(words, words[1:], strict=False) if a.upper() == "AS"}
            for word in words:
                if word.upper() in _SQL_WORDS or word in aliases or word.isdigit():
                    continue
                if not any(word in t.columns for t in tables):
                    names = ", ".join(t.name for t in tables)
                    self.report(group.file, where, f"sql_trigger uses {word}, which is not a column of {names}")

    # --- dashboards ----------------------------------------------------------------------------------------------

    def dashboards(self) -> None:
        names: set[str] = set()
        model_names = {m.name for m in self.p.models}
        for dash in self.p.dashboards:
            where = f"dashboard {dash.name}"
            if dash.name in names:
                self.report(dash.file, where, "is defined twice")
            names.add(dash.name)
            if dash.raw.get("layout") != "newspaper":
                self.report(dash.file, where, "layout must be newspaper")
            filters = {str(f.get("name")): f for f in dash.raw.get("filters") or []}
            tenant = {n for n, f in filters.items() if self.is_tenant_filter(f)}
            dates = {n for n, f in filters.items() if f.get("type") == "date_filter" or self.is_date_field_filter(f)}
            if not tenant:
                self.report(dash.file, where, "has no tenant filter (a field_filter on dim_tenants.tenant_name)")
            if not dates:
                self.report(dash.file, where, "has no date filter (a date_filter, listened to on partition columns)")
            for name, f in filters.items():
                if f.get("type") != "field_filter":
                    continue
                fw = f"{where}, filter {name}"
                if f.get("model") and f["model"] not in model_names:
                    self.report(dash.file, fw, f"model {f['model']} does not exist")
                explore = self.p.explores.get(str(f.get("explore")))
                if explore is None:
                    self.report(dash.file, fw, f"explore {f.get('explore')} does not exist")
                elif f.get("field") not in self.explore_fields(explore):
                    self.report(dash.file, fw, f"{f.get('field')} is not a field of explore {explore.name}")
            tiles: set[str] = set()
            for element in dash.raw.get("elements") or []:
                name = str(element.get("name"))
                if name in tiles:
                    self.report(dash.file, f"{where}, tile {name}", "the name is used twice")
                tiles.add(name)
                if element.get("type") not in _QUERYLESS_ELEMENTS:
                    self.tile(dash.file, where, element, filters, tenant, dates, model_names)

    def is_tenant_filter(self, f: dict[str, Any]) -> bool:
        field = str(f.get("field", ""))
        return f.get("type") == "field_filter" and field.rsplit(".", 1)[-1] in ("tenant_name", "tenant_id")

    def is_date_field_filter(self, f: dict[str, Any]) -> bool:
        explore = self.p.explores.get(str(f.get("explore")))
        return f.get("type") == "field_filter" and explore is not None and f.get("field") in self.date_fields(explore)

    def date_fields(self, explore: Explore) -> set[str]:
        base = self.p.views.get(explore.view)
        return {f"{explore.alias}.{n}" for n in self.partition_fields(base)} if base else set()

    def tile(
        self,
        file: str,
        dash_where: str,
        element: dict[str, Any],
        filters: dict[str, dict[str, Any]],
        tenant: set[str],
        dates: set[str],
        model_names: set[str],
    ) -> None:
        self.tiles += 1
        where = f"{dash_where}, tile {element.get('name')}"
        if element.get("model") and element["model"] not in model_names:
            self.report(file, where, f"model {element['model']} does not exist")
        explore = self.p.explores.get(str(element.get("explore")))
        if explore is None:
            self.report(file, where, f"explore {element.get('explore')} does not exist")
            return
        fields = self.explore_fields(explore)
        chosen = list(element.get("fields") or [])
        if not chosen:
            self.report(file, where, "has no fields")

        def need(names: Iterable[str], what: str) -> None:
            for name in names:
                if name not in fields:
                    self.report(file, where, f"{what} {name} is not a field of explore {explore.name}")

        need(chosen, "field")
        need((element.get("filters") or {}).keys(), "filter")
        for key in ("pivots", "hidden_fields"):
            for name in element.get(key) or []:
                if name not in chosen:
                    self.report(file, where, f"{key} lists {name}, which the tile's fields do not")
        for name in element.get("pivots") or []:
            if name in fields and fields[name].kind == "measure":
                self.report(file, where, f"pivots on measure {name}")
        for sort in element.get("sorts") or []:
            name = re.sub(r"\s+(asc|desc)$", "", str(sort))
            if name not in chosen:
                self.report(file, where, f"sorts on {name}, which the tile's fields do not list")
        listen: dict[str, str] = {str(k): str(v) for k, v in (element.get("listen") or {}).items()}
        for name, field in listen.items():
            if name not in filters:
                self.report(file, where, f"listens to filter {name!r}, which the dashboard does not define")
            if field not in fields:
                self.report(file, where, f"listens with {field}, which is not a field of explore {explore.name}")
        date_fields = self.date_fields(explore)
        if explore.view in self.view_tables and not any(listen.get(d) in date_fields for d in dates):
            self.report(
                file,
                where,
                "does not listen to the date filter on its partition column "
                f"({', '.join(sorted(date_fields)) or 'none'})",
            )
        tenant_fields = {str(filters[t].get("field")) for t in tenant}
        if not any(t in listen for t in tenant):
            if tenant_fields & fields.keys():
                self.report(file, where, "does not listen to the tenant filter, though its explore has the field")
            elif not element.get("note_text"):
                self.report(
                    file,
                    where,
                    f"explore {explore.name} has no tenant field, so the tenant filter cannot apply: "
                    "say so in note_text",
                )

    # --- all -----------------------------------------------------------------------------------------------------

    def run(self) -> Report:
        self.models()
        self.views()
        self.explores()
        self.datagroups()
        self.dashboards()
        fields = sum(len(v.fields) for v in self.p.views.values())
        joins = sum(len(e.joins) for e in self.p.explores.values())
        summary = (
            f"LookML OK: {len(self.p.files)} files; {len(self.p.views)} views ({fields} fields), "
            f"{len(self.p.explores)} explores ({joins} joins), {len(self.p.datagroups)} datagroups, "
            f"{len(self.p.dashboards)} dashboards ({self.tiles} tiles) checked against the "
            f"{len(self.wh.tables)} generated BigQuery tables of dataset {self.wh.dataset}; "
            f"no personal column exposed, every partitioned explore filters its partition column"
        )
        return Report(sorted(self.problems), summary)


def check_project(project: Project, warehouse: Warehouse) -> Report:
    return _Checker(project, warehouse).run()
