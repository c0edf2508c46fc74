"""How the gateway serves the web app, the dev sign-in endpoints (never in prod), and the
typed client the app is built with, which must match the gateway's OpenAPI document."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from services.gateway.app import create_app
from services.gateway.config import GatewaySettings
from services.gateway.export_openapi import render
from tests.e2e.web_support import DIST, ROOT
from tests.jwt_tools import public_pem

API = ROOT / "web" / "src" / "api"


@pytest.fixture(scope="module")
def built() -> None:
    if not (DIST / "index.html").is_file():
        pytest.skip("the web app is not built: run `make web` (make test does)")


async def test_index_is_revalidated_and_client_routes_fall_back_to_it(
    gateway: httpx.AsyncClient, built: None
) -> None:
    for path in ("/", "/subscriptions/sub-ow-cad", "/invoices?status=open"):
        resp = await gateway.get(path)
        assert resp.status_code == 200, path
        assert resp.headers["content-type"].startswith("text/html")
        assert resp.headers["cache-control"] == "no-cache"
        assert '<div id="root">' in resp.text


async def test_hashed_assets_are_cached_for_a_year_and_missing_ones_are_404(
    gateway: httpx.AsyncClient, built: None
) -> None:
    index = (await gateway.get("/")).text
    asset = index.split('src="', 1)[1].split('"', 1)[0]
    assert asset.startswith("/assets/")
    resp = await gateway.get(asset)
    assert resp.status_code == 200
    assert resp.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert (await gateway.get("/assets/no-such-file.js")).status_code == 404


async def test_unknown_api_paths_stay_json_404s(gateway: httpx.AsyncClient) -> None:
    resp = await gateway.get("/v1/no-such-thing")
    assert resp.status_code == 404
    assert resp.json()["code"] == "not_found"


async def test_dev_sign_in_lists_demo_users_and_issues_their_token(
    gateway: httpx.AsyncClient,
) -> None:
    users = (await gateway.get("/v1/dev/users")).json()
    assert {"subject": "wes@orbitweb.example", "name": "Wes Buyer"}.items() <= next(
        u for u in users if u["subject"] == "wes@orbitweb.example"
    ).items()
    token = (await gateway.post("/v1/dev/token", json={"subject": "wes@orbitweb.example"})).json()
    me = await gateway.get(
        "/v1/subscriptions", headers={"Authorization": f"Bearer {token['access_token']}"}
    )
    assert me.status_code == 200
    assert {s["csn"] for s in me.json()["items"]} == {"5100000007"}
    unknown = await gateway.post("/v1/dev/token", json={"subject": "nobody@example.com"})
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "unknown_demo_user"
    assert (await gateway.get("/app-config.json")).json()["auth"] == {"mode": "dev"}


def test_dev_sign_in_does_not_exist_in_prod(tmp_path: Path) -> None:
    settings = GatewaySettings(
        environment="prod",
        jwt_public_keys=[public_pem("idp-a")],
        internal_token="a-real-secret-for-this-test-only",
        oidc_authority="https://login.example.com/realms/acme",
        web_dist=tmp_path,
    )
    client = TestClient(create_app(settings))
    assert client.get("/v1/dev/users").status_code == 404
    assert client.post("/v1/dev/token", json={"subject": "alice@acme.example"}).status_code == 404
    config = client.get("/app-config.json").json()["auth"]
    assert config["mode"] == "oidc"
    assert config["authority"] == "https://login.example.com/realms/acme"


async def test_the_committed_client_matches_the_gateways_openapi_document(
    gateway: httpx.AsyncClient,
) -> None:
    served = (await gateway.get("/openapi.json")).json()
    committed = json.loads((API / "openapi.json").read_text())
    assert render(committed) == render(served), (
        "web/src/api is stale: run `make web-client` and commit the result"
    )


def test_the_committed_types_are_generated_from_the_committed_document(tmp_path: Path) -> None:
    node_bin = ROOT / ".venv" / "bin"
    cli = ROOT / "web" / "node_modules" / "openapi-typescript" / "bin" / "cli.js"
    if not cli.is_file():
        pytest.skip("web/node_modules is not installed: `make web-deps` (make test does)")
    out = tmp_path / "schema.d.ts"
    subprocess.run(
        [str(node_bin / "node"), str(cli), str(API / "openapi.json"), "-o", str(out)],
        check=True,
        capture_output=True,
        cwd=ROOT / "web",
        env={**os.environ, "PATH": f"{node_bin}:{os.environ['PATH']}"},
    )
    assert out.read_text() == (API / "schema.d.ts").read_text(), (
        "web/src/api/schema.d.ts is stale: run `make web-client` and commit the result"
    )
