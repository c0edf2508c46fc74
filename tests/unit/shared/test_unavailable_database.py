"""A database that is restarting answers 503 with Retry-After, never a 500: the request can be
asked again; anything else unexpected is still a 500 `internal_error`."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.exc import OperationalError

from shared.http import install_error_handlers

pytestmark = pytest.mark.unit


async def answer(error: Exception) -> httpx.Response:
    api = FastAPI()
    install_error_handlers(api)

    @api.get("/invoices")
    async def invoices() -> None:
        raise error

    transport = httpx.ASGITransport(app=api, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
        return await client.get("/invoices")


async def test_a_database_shutting_down_is_a_503_to_try_again() -> None:
    shutting_down = OperationalError(
        "SELECT 1", {}, Exception("the database system is shutting down")
    )
    resp = await answer(shutting_down)
    assert resp.status_code == 503
    assert resp.json()["code"] == "service_unavailable"
    assert resp.headers["Retry-After"] == "2"


async def test_any_other_unexpected_error_is_still_a_500() -> None:
    resp = await answer(ValueError("a bug"))
    assert resp.status_code == 500
    assert resp.json()["code"] == "internal_error"
