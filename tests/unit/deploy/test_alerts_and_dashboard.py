"""deploy/observability checked offline (issue 15): the alert rules as `promtool check rules`
would (tests/promrules.py), the Grafana dashboard's queries, both only on metrics the code
exports, and the compose profile that runs Prometheus and Grafana with them."""

from __future__ import annotations

import copy
import json
from functools import cache
from typing import Any

import pytest
import yaml

from tests.promrules import (
    OBSERVABILITY,
    dashboard_errors,
    dashboard_exprs,
    exported_metrics,
    rule_file_errors,
    selectors,
)

ALERTS = OBSERVABILITY / "alerts.yaml"
DASHBOARD = OBSERVABILITY / "grafana" / "dashboards" / "billing-orders.json"
PROCESSES = {"gateway": 8000, "subscriptions": 8001, "quotes": 8002, "invoicing": 8003}
PROCESSES |= {"payments": 8004, "notifications": 8005}


@cache
def exported() -> dict[str, set[str]]:
    return exported_metrics()


def rules() -> dict[str, Any]:
    return yaml.safe_load(ALERTS.read_text())  # type: ignore[no-any-return]


def dashboard() -> dict[str, Any]:
    return json.loads(DASHBOARD.read_text())  # type: ignore[no-any-return]


def alerts_by_name(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["alert"]: r for g in doc["groups"] for r in g["rules"] if "alert" in r}


# --- the scrape the checks rely on ----------------------------------------------------------
def test_the_scrape_finds_the_domain_delivery_http_and_faststream_metrics() -> None:
    names = exported()
    for name in (
        "billing_charges_total",
        "billing_renewals_failed_total",
        "outbox_oldest_unpublished_age_seconds",
        "consumer_lag_messages",
        "dlq_parked_messages_total",
        "http_request_duration_seconds_bucket",
        "faststream_received_messages_total",
        "process_cpu_seconds_total",
    ):
        assert name in names, name
    assert names["billing_charges_total"] >= {"outcome", "reason"}
    assert names["consumer_lag_messages"] >= {"group", "topic", "partition"}
    assert "billing_charges" not in names  # a counter is only ever scraped with `_total`


# --- alert rules ----------------------------------------------------------------------------
def test_the_alert_rules_pass_the_promtool_equivalent_checks() -> None:
    assert rule_file_errors(rules(), exported()) == []


def test_the_alerts_the_issue_asks_for_are_there_with_a_runbook() -> None:
    alerts = alerts_by_name(rules())
    watched = {name: {n for n, _ in selectors(rule["expr"])} for name, rule in alerts.items()}
    assert watched["BillingDLQNotEmpty"] == {"dlq_parked_messages_total"}
    assert watched["BillingOutboxStuck"] == {"outbox_oldest_unpublished_age_seconds"}
    assert "> 60" in alerts["BillingOutboxStuck"]["expr"]
    assert watched["BillingConsumerLagGrowing"] == {"consumer_lag_messages"}
    assert alerts["BillingConsumerLagGrowing"]["for"] == "10m"
    assert watched["BillingChargeFailuresSpike"] == {"billing_charges_total"}
    assert watched["BillingServiceDown"] == {"up"}
    for name in PROCESSES:
        assert name in alerts["BillingServiceDown"]["expr"], name
    for name, rule in alerts.items():
        assert rule["annotations"]["runbook_url"] == f"docs/operations.md#runbook-{name.lower()}"


def test_a_broken_rule_file_is_caught() -> None:
    broken = copy.deepcopy(rules())
    group = broken["groups"][0]
    group["rules"][0]["expr"] = "sum by (service) (increase(dlq_parked_messages_total[15m]) > 0"
    group["rules"][1]["expr"] = "outbox_oldest_row_age_seconds > 60"  # not exported
    group["rules"][1]["for"] = "a minute"
    group["rules"][2]["annotations"]["runbook_url"] = "docs/operations.md#no-such-section"
    broken["groups"][1]["rules"][0]["expr"] = 'billing_charges_total{result="failed"} > 0'
    broken["groups"][2]["rules"][0]["severity"] = "critical"  # belongs under labels
    broken["groups"].append({"name": broken["groups"][0]["name"], "rules": []})
    errors = "\n".join(rule_file_errors(broken, exported()))
    assert "BillingDLQNotEmpty: expr does not parse" in errors
    assert "'outbox_oldest_row_age_seconds' is not exported" in errors
    assert "'a minute' is not a Prometheus duration" in errors
    assert "#no-such-section' is not a section" in errors
    assert "billing_charges_total has no label(s) ['result']" in errors
    assert "BillingServiceDown: unknown key 'severity'" in errors
    assert "duplicate group name" in errors and "`rules` must be a non-empty list" in errors


def test_a_rule_file_that_is_not_rule_groups_is_caught() -> None:
    assert rule_file_errors({"rules": []}, exported()) != []
    assert rule_file_errors(yaml.safe_load("groups:\n  - rules: []\n"), exported()) != []
    only_literal = {"groups": [{"name": "g", "rules": [{"record": "x", "expr": "1"}]}]}
    assert "literal" in " ".join(rule_file_errors(only_literal, exported()))


# --- dashboard ------------------------------------------------------------------------------
def test_every_dashboard_query_parses_and_reads_exported_metrics() -> None:
    assert dashboard_errors(dashboard(), exported()) == []


def test_the_dashboard_shows_what_the_issue_asks_for() -> None:
    read = {n for _, expr in dashboard_exprs(dashboard()) for n, _ in _selectors(expr)}
    assert read >= {
        "faststream_received_messages_total",
        "outbox_published_messages_total",
        "consumer_lag_messages",
        "outbox_unpublished_rows",
        "outbox_oldest_unpublished_age_seconds",
        "dlq_parked_messages_total",
        "http_requests_total",
        "http_request_duration_seconds_bucket",
        "billing_charges_total",
        "billing_renewals_requested_total",
        "billing_renewals_renewed_total",
        "billing_renewals_failed_total",
    }
    variables = {v["name"] for v in dashboard()["templating"]["list"]}
    assert {"datasource", "job"} <= variables


def _selectors(expr: str) -> Any:
    return selectors(expr.replace("$__rate_interval", "5m"))


def test_a_dashboard_query_on_a_metric_the_code_does_not_export_is_caught() -> None:
    broken = dashboard()
    panel = next(p for p in broken["panels"] if p.get("targets"))
    panel["targets"][0]["expr"] = "sum(rate(faststream_consumed_messages_total[$__rate_interval]))"
    other = next(p for p in broken["panels"][2:] if p.get("targets"))
    other["targets"][0]["expr"] = "sum(rate(http_requests_total[5m]"
    errors = "\n".join(dashboard_errors(broken, exported()))
    assert "'faststream_consumed_messages_total' is not exported" in errors
    assert "does not parse" in errors


# --- compose profile ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((OBSERVABILITY.parent / "compose.yaml").read_text())  # type: ignore[no-any-return]


def test_prometheus_scrapes_every_process_of_the_compose_file(compose: dict[str, Any]) -> None:
    config = yaml.safe_load((OBSERVABILITY / "prometheus.yml").read_text())
    jobs = {
        job["job_name"]: [t for c in job["static_configs"] for t in c["targets"]]
        for job in config["scrape_configs"]
    }
    assert jobs == {name: [f"{name}:{port}"] for name, port in PROCESSES.items()}
    for name, port in PROCESSES.items():  # the port is the one the process listens on
        assert str(compose["services"][name]["environment"]["HTTP_PORT"]) == str(port)
    assert config["rule_files"] == ["/etc/prometheus/alerts.yaml"]


def test_prometheus_and_grafana_run_behind_the_observability_profile(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    for name in ("prometheus", "grafana"):
        assert services[name]["profiles"] == ["observability"], name
    assert all("profiles" not in services[name] for name in PROCESSES)
    mounts = {
        m.split(":")[1]: m.split(":")[0]
        for m in services["prometheus"]["volumes"]
        if "/" in m.split(":")[0]
    }
    assert mounts["/etc/prometheus/alerts.yaml"] == "./observability/alerts.yaml"
    assert mounts["/etc/prometheus/prometheus.yml"] == "./observability/prometheus.yml"
    grafana = {
        m.split(":")[1]: m.split(":")[0]
        for m in services["grafana"]["volumes"]
        if m.startswith("./")
    }
    assert grafana["/var/lib/grafana/dashboards"] == "./observability/grafana/dashboards"
    provisioning = OBSERVABILITY / "grafana" / "provisioning"
    assert grafana["/etc/grafana/provisioning"] == "./observability/grafana/provisioning"
    [source] = yaml.safe_load((provisioning / "datasources" / "prometheus.yaml").read_text())[
        "datasources"
    ]
    assert source["type"] == "prometheus" and source["url"] == "http://prometheus:9090"
    [provider] = yaml.safe_load((provisioning / "dashboards" / "billing-orders.yaml").read_text())[
        "providers"
    ]
    assert provider["options"]["path"] == "/var/lib/grafana/dashboards"
