"""Loads a LookML project: manifest constants, models (datagroups, includes), views, explores and LookML dashboards.

`.lkml` files are parsed with lkml; `.dashboard.lookml` files are YAML. Field names are expanded the way Looker does:
a `dimension_group` of type time yields `<group>_<timeframe>` per timeframe, one of type duration
`<interval>s_<group>` per interval.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lkml
import yaml

from dashboards.lookml_check.problems import Problem

# Looker's defaults when a dimension_group lists no timeframes / intervals.
DEFAULT_TIMEFRAMES = ["raw", "time", "date", "week", "month", "quarter", "year"]
DEFAULT_INTERVALS = ["day", "hour", "minute", "second"]


@dataclass
class Field:
    name: str
    kind: str  # dimension | dimension_group | measure | filter | parameter
    type: str
    sql: str | None
    datatype: str | None = None
    group: str | None = None  # the dimension_group a timeframe field was expanded from
    filters: list[tuple[str, str]] = field(default_factory=list)  # a measure's own filters


@dataclass
class View:
    name: str
    file: str
    sql_table_name: str | None
    fields: dict[str, Field] = field(default_factory=dict)
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)  # dimension_group name -> its LookML


@dataclass
class Join:
    alias: str
    view: str
    raw: dict[str, Any]


@dataclass
class Explore:
    name: str
    file: str
    alias: str  # the name the base view's fields are referenced by
    view: str
    joins: list[Join]
    raw: dict[str, Any]


@dataclass
class Datagroup:
    name: str
    file: str
    raw: dict[str, Any]


@dataclass
class Model:
    name: str
    file: str
    raw: dict[str, Any]


@dataclass
class Dashboard:
    name: str
    file: str
    raw: dict[str, Any]


@dataclass
class Project:
    root: Path
    constants: dict[str, str] = field(default_factory=dict)
    models: list[Model] = field(default_factory=list)
    views: dict[str, View] = field(default_factory=dict)
    explores: dict[str, Explore] = field(default_factory=dict)
    datagroups: dict[str, Datagroup] = field(default_factory=dict)
    dashboards: list[Dashboard] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # every .lkml / .lookml file, relative to root
    problems: list[Problem] = field(default_factory=list)  # what loading found (parse errors, duplicates)


def filter_pairs(block: dict[str, Any]) -> list[tuple[str, str]]:
    """`filters: [a: "x", b: "y"]` (lkml: filters__all) and the older `filters: [{field: a value: x}]`."""
    pairs: list[tuple[str, str]] = []
    for group in block.get("filters__all", []):
        for item in group:
            pairs.extend((str(k), str(v)) for k, v in item.items())
    for item in block.get("filters", []):
        if isinstance(item, dict) and "field" in item:
            pairs.append((str(item["field"]), str(item.get("value", ""))))
    return pairs


def _view(raw: dict[str, Any], file: str, problems: list[Problem]) -> View:
    view = View(name=raw["name"], file=file, sql_table_name=raw.get("sql_table_name"))

    def add(f: Field) -> None:
        if f.name in view.fields:
            problems.append(Problem(file, f"view {view.name}", f"field {f.name} is defined twice"))
        view.fields[f.name] = f

    for kind, key in (("dimension", "dimensions"), ("measure", "measures"), ("filter", "filters"),
                      ("parameter", "parameters")):  # fmt: skip
        for f in raw.get(key, []):
            if kind == "filter" and "name" not in f:
                continue  # not a filter field: lkml files measure filters elsewhere
            add(
                Field(
                    name=f["name"],
                    kind=kind,
                    type=f.get("type", "string" if kind != "measure" else "count"),
                    sql=f.get("sql"),
                    datatype=f.get("datatype"),
                    filters=filter_pairs(f) if kind == "measure" else [],
                )
            )
    for g in raw.get("dimension_groups", []):
        view.groups[g["name"]] = g
        if g.get("type") == "duration":
            names = [f"{i}s_{g['name']}" for i in g.get("intervals", DEFAULT_INTERVALS)]
        else:
            names = [f"{g['name']}_{t}" for t in g.get("timeframes", DEFAULT_TIMEFRAMES)]
        for name in names:
            add(Field(name, "dimension_group", g.get("type", "time"), g.get("sql"), g.get("datatype"), g["name"]))
    return view


def _explore(raw: dict[str, Any], file: str) -> Explore:
    name = raw["name"]
    view = raw.get("from") or raw.get("view_name") or name
    alias = raw.get("view_name") or name
    joins = [Join(alias=j["name"], view=j.get("from") or j["name"], raw=j) for j in raw.get("joins", [])]
    return Explore(name=name, file=file, alias=alias, view=view, joins=joins, raw=raw)


def load_project(root: Path) -> Project:
    project = Project(root=root)
    paths = sorted(p for p in root.rglob("*") if p.is_file() and p.name.endswith((".lkml", ".lookml")))
    for path in paths:
        rel = path.relative_to(root).as_posix()
        project.files.append(rel)
        text = path.read_text()
        if rel.endswith(".dashboard.lookml"):
            try:
                docs = yaml.safe_load(text)
            except yaml.YAMLError as e:
                project.problems.append(Problem(rel, "dashboard file", f"is not valid YAML: {e}"))
                continue
            if not isinstance(docs, list) or not all(isinstance(d, dict) and "dashboard" in d for d in docs):
                project.problems.append(Problem(rel, "dashboard file", "must be a YAML list of `- dashboard:` items"))
                continue
            project.dashboards.extend(Dashboard(name=str(d["dashboard"]), file=rel, raw=d) for d in docs)
            continue
        if not rel.endswith(".lkml"):
            project.problems.append(Problem(rel, "file", "unknown LookML file type (.lkml or .dashboard.lookml)"))
            continue
        try:
            parsed: dict[str, Any] = lkml.load(text)
        except Exception as e:  # lkml raises SyntaxError subclasses and others on bad input
            project.problems.append(Problem(rel, "file", f"lkml cannot parse it: {e}"))
            continue
        if rel.endswith(".model.lkml"):
            project.models.append(Model(name=path.name.removesuffix(".model.lkml"), file=rel, raw=parsed))
            for d in parsed.get("datagroups", []):
                if d["name"] in project.datagroups:
                    project.problems.append(Problem(rel, f"datagroup {d['name']}", "is defined twice"))
                project.datagroups[d["name"]] = Datagroup(d["name"], rel, d)
        if path.name == "manifest.lkml":
            project.constants = {c["name"]: str(c.get("value", "")) for c in parsed.get("constants", [])}
        for v in parsed.get("views", []):
            if v["name"] in project.views:
                project.problems.append(Problem(rel, f"view {v['name']}", "is defined twice"))
            project.views[v["name"]] = _view(v, rel, project.problems)
        for ex in parsed.get("explores", []):
            if ex["name"] in project.explores:
                project.problems.append(Problem(rel, f"explore {ex['name']}", "is defined twice"))
            project.explores[ex["name"]] = _explore(ex, rel)
    return project
