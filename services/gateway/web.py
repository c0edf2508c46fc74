"""The web app (`web/`, built by `make web` into `web/dist`) at `/`, next to the API at `/v1`.

Hashed assets (`/assets/*`) are cached for a year; `index.html` is revalidated on every load, so
a new build is picked up at once; any other path that is not the API's falls back to
`index.html` (client-side routes such as `/subscriptions/sub-acme-cad` survive a reload).
`/app-config.json` tells the app how to sign in: the dev sign-in page (dev/test, see
`devauth.py`) or the company identity provider through OIDC (prod, `OIDC_*` settings)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Match, Route
from starlette.types import Scope

from services.gateway.config import DEV_ENVIRONMENTS, GatewaySettings

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
# Paths the app never owns: an unknown one stays a JSON 404, never the app's page.
NOT_THE_APP = frozenset({"v1", "openapi.json", "docs", "healthz", "readyz", "internal", "assets"})

NOT_BUILT = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Billing &amp; Orders</title></head><body><main><h1>Billing &amp; Orders</h1>
<p>The web app is not built: run <code>make web</code> (or <code>make run</code>) and reload.
The API is at <a href="/docs">/docs</a>.</p></main></body></html>"""


def app_config(settings: GatewaySettings) -> dict[str, Any]:
    if settings.environment in DEV_ENVIRONMENTS and not settings.oidc_authority:
        return {"auth": {"mode": "dev"}, "environment": settings.environment}
    return {
        "auth": {
            "mode": "oidc",
            "authority": settings.oidc_authority,
            "client_id": settings.oidc_client_id,
            "scope": settings.oidc_scope,
            "token": settings.oidc_token,
        },
        "environment": settings.environment,
    }


def mount_web_app(app: FastAPI, settings: GatewaySettings) -> None:
    dist = settings.web_dist.resolve()

    @app.get("/app-config.json", include_in_schema=False)
    async def config() -> JSONResponse:
        return JSONResponse(app_config(settings), headers={"Cache-Control": REVALIDATE})

    @app.get("/assets/{name:path}", include_in_schema=False)
    async def asset(name: str) -> FileResponse:
        path = (dist / "assets" / name).resolve()
        if not path.is_file() or not path.is_relative_to(dist):
            raise HTTPException(404, f"No asset {name!r}.")
        return FileResponse(path, headers={"Cache-Control": IMMUTABLE})

    async def page(request: Request) -> Response:
        path = request.path_params["path"]
        index = dist / "index.html"
        if not index.is_file():
            return HTMLResponse(NOT_BUILT, status_code=503, headers={"Cache-Control": REVALIDATE})
        file = (dist / path).resolve()
        if path and file.is_file() and file.is_relative_to(dist):  # favicon, robots.txt
            return FileResponse(file, headers={"Cache-Control": "public, max-age=3600"})
        return FileResponse(index, headers={"Cache-Control": REVALIDATE})

    app.router.routes.append(AppPageRoute("/{path:path}", page, methods=["GET", "HEAD"]))


class AppPageRoute(Route):
    """The app's pages: GET and HEAD of any path the API does not own, so that an unknown API
    path (or another method) still gets the API's own 404 or 405, never the app's page."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            return Match.NONE, {}
        if scope["path"].lstrip("/").split("/", 1)[0] in NOT_THE_APP:
            return Match.NONE, {}
        return super().matches(scope)
