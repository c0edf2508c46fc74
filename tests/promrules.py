"""Offline checks of deploy/observability: what `promtool check rules` checks of a rule file
(group and rule structure, durations, every `expr` parsed as PromQL by `promql-parser`, the
Rust port of Prometheus' own parser), plus what promtool cannot know: that every metric an
alert or a dashboard panel reads is one the code exports, with label matchers on labels the
metric has, and that every alert's runbook is a section of docs/operations.md.

The exported names come from a real `/metrics` scrape of a service's app (every process
exports the same families from shared/observability/metrics.py and faststream's middleware;
a family no sample was recorded for yet still shows its name and type)."""

from __future__ import annotations

import asyncio
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import promql_parser
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[1]
OBSERVABILITY = ROOT / "deploy" / "observability"
OPERATIONS = ROOT / "docs" / "operations.md"

# Series Prometheus writes itself, for every target or rule (not exported by a process).
SYNTHETIC = {
    "up": set(),
    "scrape_duration_seconds": set(),
    "scrape_samples_scraped": set(),
    "scrape_samples_post_metric_relabeling": set(),
    "scrape_series_added": set(),
    "ALERTS": {"alertname", "alertstate", "severity"},
}
TARGET_LABELS = {"job", "instance"}  # added to every scraped series by Prometheus
SUFFIXES = {
    "counter": ("_total", "_created"),
    "gauge": ("",),
    "histogram": ("_bucket", "_sum", "_count", "_created"),
    "summary": ("", "_sum", "_count", "_created"),
    "info": ("_info",),
    "unknown": ("",),
}
GROUP_KEYS = {"name", "interval", "limit", "rules", "query_offset", "labels"}
ALERT_KEYS = {"alert", "expr", "for", "keep_firing_for", "labels", "annotations"}
RECORD_KEYS = {"record", "expr", "labels"}
NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")


# --- what the code exports ------------------------------------------------------------------
def exported_metrics() -> dict[str, set[str]]:
    """Series name -> label names, read from the text of a real `/metrics` response: the
    payments service's app as `python -m services.payments` builds it (its broker with
    faststream's Prometheus middleware), on a scratch SQLite file, not started (the outbox
    gauges keep their last values when the database has no outbox yet)."""
    from fastapi.testclient import TestClient

    from services.payments.app import build
    from services.payments.config import Settings

    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite+aiosqlite:///{scratch}/payments.db"
        service = build(Settings(database_url=url, load_demo_data=False))
        client = TestClient(service.create_app())  # no lifespan: nothing is started
        client.get("/probe-unmatched")  # one HTTP sample, so the histogram's labels show
        text = client.get("/metrics").text
        asyncio.run(service.engine.dispose())
    return parse_exposition(text)


def parse_exposition(text: str) -> dict[str, set[str]]:
    """Each family's series names (by its type's suffixes) and label names. A labelled metric
    with no sample yet shows no labels in the text, so they are read off its collector."""
    from prometheus_client import REGISTRY
    from prometheus_client.metrics import MetricWrapperBase

    collectors = REGISTRY._collector_to_names
    labels_of = {
        c._name: set(c._labelnames) for c in list(collectors) if isinstance(c, MetricWrapperBase)
    }
    names: dict[str, set[str]] = {}
    for family in text_string_to_metric_families(text):
        labels = set(labels_of.get(family.name, set()))
        for sample in family.samples:
            labels |= set(sample.labels) - {"le", "quantile"}
        for suffix in SUFFIXES.get(family.type, ("",)):
            extra = {"le"} if suffix == "_bucket" else set()
            names[family.name + suffix] = labels | extra
    return names


# --- PromQL ---------------------------------------------------------------------------------
def parse(expr: str) -> Any:
    """The expression's AST; ValueError (with the parser's message) when it does not parse."""
    return promql_parser.parse(expr)


def selectors(expr: str) -> Iterator[tuple[str, set[str]]]:
    """(metric name, label names matched) of every series selector in the expression."""
    found: list[tuple[str, set[str]]] = []

    def visit(node: Any) -> None:
        if isinstance(node, promql_parser.VectorSelector):
            matched = {m.name for m in node.matchers.matchers}
            name = node.name or next(
                (m.value for m in node.matchers.matchers if m.name == "__name__"), ""
            )
            found.append((name, matched - {"__name__"}))

    promql_parser.walk(parse(expr), visit)
    return iter(found)


def unknown_series(expr: str, exported: dict[str, set[str]]) -> list[str]:
    known = exported | SYNTHETIC
    errors = []
    for name, matched in selectors(expr):
        if name not in known:
            errors.append(f"metric {name!r} is not exported by the code")
            continue
        if unknown := matched - known[name] - TARGET_LABELS:
            errors.append(f"{name} has no label(s) {sorted(unknown)}")
    return errors


def expr_errors(expr: Any, exported: dict[str, set[str]]) -> list[str]:
    if not isinstance(expr, str) or not expr.strip():
        return ["expr must be a non-empty string"]
    try:
        tree = parse(expr)
    except ValueError as exc:
        return [f"expr does not parse: {exc}"]
    if isinstance(tree, promql_parser.NumberLiteral | promql_parser.StringLiteral):
        return ["expr must select series, not a literal"]
    return unknown_series(expr, exported)


# --- rule files -----------------------------------------------------------------------------
def duration_errors(value: Any, field: str) -> list[str]:
    try:
        promql_parser.parse_duration(str(value))
    except ValueError:
        return [f"{field}: {value!r} is not a Prometheus duration"]
    return []


def rule_errors(rule: Any, exported: dict[str, set[str]], anchors: set[str]) -> list[str]:
    if not isinstance(rule, dict):
        return ["a rule must be a mapping"]
    kind = "alert" if "alert" in rule else "record" if "record" in rule else None
    if kind is None or ("alert" in rule and "record" in rule):
        return ["a rule needs exactly one of `alert` and `record`"]
    errors = [
        f"unknown key {k!r}" for k in rule.keys() - (ALERT_KEYS if kind == "alert" else RECORD_KEYS)
    ]
    if not isinstance(rule[kind], str) or not NAME.fullmatch(rule[kind]):
        errors.append(f"{kind} name {rule[kind]!r} is not a valid metric/alert name")
    errors += expr_errors(rule.get("expr"), exported)
    for field in ("for", "keep_firing_for"):
        if field in rule:
            errors += duration_errors(rule[field], field)
    for field in ("labels", "annotations"):
        mapping = rule.get(field, {})
        if not isinstance(mapping, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()
        ):
            errors.append(f"{field} must map strings to strings")
            continue
        errors += [
            f"{field}.{k}: unbalanced template braces"
            for k, v in mapping.items()
            if v.count("{{") != v.count("}}")
        ]
    if kind == "alert":
        errors += alert_annotation_errors(rule, anchors)
    return errors


def alert_annotation_errors(rule: dict[str, Any], anchors: set[str]) -> list[str]:
    annotations = rule.get("annotations") or {}
    errors = [
        f"annotation {a!r} is required" for a in ("summary", "runbook_url") if a not in annotations
    ]
    url = str(annotations.get("runbook_url", ""))
    if url:
        path, _, anchor = url.partition("#")
        if path != "docs/operations.md" or anchor not in anchors:
            errors.append(f"runbook_url {url!r} is not a section of docs/operations.md")
    if (rule.get("labels") or {}).get("severity") not in {"critical", "warning", "info"}:
        errors.append("labels.severity must be critical, warning or info")
    return errors


def rule_file_errors(doc: Any, exported: dict[str, set[str]]) -> list[str]:
    """Everything wrong with a parsed rule file, each error prefixed with where it is."""
    if not isinstance(doc, dict) or not isinstance(doc.get("groups"), list) or not doc["groups"]:
        return ["the file must have a non-empty `groups` list"]
    errors = [f"unknown top-level key {k!r}" for k in doc.keys() - {"groups"}]
    anchors = section_anchors()
    seen: set[str] = set()
    for g, group in enumerate(doc["groups"]):
        if not isinstance(group, dict) or not isinstance(group.get("name"), str):
            errors.append(f"groups[{g}]: a group needs a `name`")
            continue
        where = f"group {group['name']}"
        if group["name"] in seen:
            errors.append(f"{where}: duplicate group name")
        seen.add(group["name"])
        errors += [f"{where}: unknown key {k!r}" for k in group.keys() - GROUP_KEYS]
        if "interval" in group:
            errors += [f"{where}: {e}" for e in duration_errors(group["interval"], "interval")]
        rules = group.get("rules")
        if not isinstance(rules, list) or not rules:
            errors.append(f"{where}: `rules` must be a non-empty list")
            continue
        for r, rule in enumerate(rules):
            name = rule.get("alert") or rule.get("record") if isinstance(rule, dict) else None
            errors += [
                f"{where} rule {name or r}: {e}" for e in rule_errors(rule, exported, anchors)
            ]
    return errors


def section_anchors(path: Path = OPERATIONS) -> set[str]:
    """GitHub's anchors of the markdown headings (lower case, punctuation dropped)."""
    anchors = set()
    for line in path.read_text().splitlines():
        if match := re.match(r"#{1,6}\s+(.*)", line):
            slug = re.sub(r"[^\w\- ]", "", match.group(1).strip().lower()).replace(" ", "-")
            anchors.add(slug)
    return anchors


# --- Grafana --------------------------------------------------------------------------------
GRAFANA_VARIABLES = {"$__rate_interval": "5m", "$__interval": "1m", "$__range": "1h"}


def dashboard_exprs(dashboard: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(panel title, expr) of every query of every panel, rows' nested panels included."""
    for panel in dashboard.get("panels", []):
        for nested in [panel, *panel.get("panels", [])]:
            for target in nested.get("targets", []):
                yield nested.get("title", "?"), target.get("expr", "")


def dashboard_errors(dashboard: dict[str, Any], exported: dict[str, set[str]]) -> list[str]:
    errors = []
    for title, expr in dashboard_exprs(dashboard):
        for variable, value in GRAFANA_VARIABLES.items():
            expr = expr.replace(variable, value)
        errors += [f"panel {title!r}: {e}" for e in expr_errors(expr, exported)]
    return errors
