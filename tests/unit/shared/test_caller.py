"""One family of role checks for every service's routes and the gateway (R-ROLE-1)."""

from __future__ import annotations

from typing import Annotated

import httpx
import pytest
from fastapi import Depends, FastAPI

from shared.caller import principal_with
from shared.http import install_error_handlers
from shared.pagination import PageParams, page_of
from shared.principal import BILLING_ROLES, Principal, Role, to_headers

pytestmark = pytest.mark.unit

BillingPrincipal = Annotated[
    Principal, Depends(principal_with(BILLING_ROLES, "Billing data is not for you."))
]


async def get_billing(headers: dict[str, str] | None = None) -> httpx.Response:
    api = FastAPI()
    install_error_handlers(api)

    @api.get("/billing")
    async def billing(principal: BillingPrincipal) -> dict[str, str]:
        return {"csn": principal.csn}

    transport = httpx.ASGITransport(app=api)
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
        return await client.get("/billing", headers=headers)


def caller(*roles: Role) -> dict[str, str]:
    return to_headers(Principal("someone@acme.example", "5100000001", frozenset(roles)))


async def test_a_caller_with_a_billing_role_gets_through() -> None:
    resp = await get_billing(caller(Role.BUYER))
    assert resp.status_code == 200 and resp.json() == {"csn": "5100000001"}


async def test_a_plain_user_is_refused_with_the_routes_own_sentence() -> None:
    resp = await get_billing(caller(Role.USER))
    assert resp.status_code == 403
    assert resp.json()["code"] == "forbidden"
    assert resp.json()["detail"] == "Billing data is not for you."


async def test_no_principal_is_401_before_any_role_check() -> None:
    resp = await get_billing()
    assert resp.status_code == 401 and resp.json()["code"] == "unauthenticated"


def test_a_page_says_which_items_of_how_many_at_the_asked_window() -> None:
    page = page_of(iter(["a", "b"]), 7, PageParams(limit=2, offset=4))
    assert (page.items, page.total, page.limit, page.offset) == (["a", "b"], 7, 2, 4)
