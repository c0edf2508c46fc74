"""Writes the gateway's OpenAPI document without starting anything: each service's app is built
in this process (no database, no broker is touched) and the gateway merges their documents as
it does when it serves `/openapi.json`; `policy.json` beside it is who may do what. `make web-client` generates the web app's typed client
from it: `python -m services.gateway.export_openapi web/src/api/openapi.json`.

The settings are those of a stack under test (`shared.infra.stack.settings_under_test`), so the
document is the one the end-to-end stack serves (a test compares them)."""

from __future__ import annotations

import argparse
import importlib
import json
import os
from pathlib import Path
from typing import Any

# Same document as the stack under test: dev sign-in and the dev clock documented.
EXPORT_ENV = {"ENVIRONMENT": "test", "DEV_CLOCK_ENABLED": "true"}


def service_documents() -> dict[str, dict[str, Any]]:
    from services.gateway.config import SERVICES

    docs = {}
    for name in SERVICES:
        module = importlib.import_module(f"services.{name}.app")
        docs[name] = module.build().create_app().openapi()
    return docs


def gateway_document() -> dict[str, Any]:
    os.environ.update(EXPORT_ENV)
    os.environ.setdefault("DATABASE_URL", "sqlite+aiosqlite:///:memory:")
    from services.gateway.app import create_app
    from services.gateway.config import GatewaySettings
    from services.gateway.openapi import build_document
    from services.gateway.routes import ROUTES

    return build_document(create_app(GatewaySettings()), ROUTES, service_documents())


def policy_document() -> dict[str, list[str]]:
    """Which roles may do each action (policy.py): the web app shows only what a role may do."""
    from services.gateway.policy import POLICY

    return {action.value: sorted(r.value for r in roles) for action, roles in POLICY.items()}


def render(document: Any) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("output", type=Path)
    args = parser.parse_args()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(render(gateway_document()))
    (args.output.parent / "policy.json").write_text(render(policy_document()))


if __name__ == "__main__":
    main()
