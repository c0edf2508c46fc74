"""Dev sign-in (dev/test only; the router does not exist when ENVIRONMENT=prod): the web app's
sign-in page lists the demo users and gets a token for the one picked, as `make token` does.
In prod the app signs in with the company identity provider (OIDC, see docs/web.md)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from services.gateway.auth import issue_token
from services.gateway.config import GatewaySettings
from shared.demo import demo_accounts
from shared.errors import DomainError

TOKEN_TTL_SECONDS = 12 * 3600


class DemoUser(BaseModel):
    subject: str
    name: str
    roles: list[str]
    csn: str
    company_name: str
    partner_csn: str | None = None


class DevTokenRequest(BaseModel):
    subject: str = Field(min_length=1, max_length=200, examples=["alice@acme.example"])


class DevToken(BaseModel):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int
    user: DemoUser


class UnknownDemoUser(DomainError):
    status = 404

    def __init__(self, subject: str) -> None:
        super().__init__("unknown_demo_user", f"No demo user {subject!r}.")


def demo_users() -> list[DemoUser]:
    return [
        DemoUser(
            subject=u["subject"],
            name=u.get("name") or u["subject"],
            roles=list(u.get("roles", [])),
            csn=a["csn"],
            company_name=a.get("company_name") or a["csn"],
            partner_csn=u.get("partner_csn"),
        )
        for a in demo_accounts()
        for u in a.get("users", [])
    ]


def dev_auth_router() -> APIRouter:
    r = APIRouter(prefix="/v1/dev", tags=["dev"])

    @r.get("/users", summary="Demo users the dev sign-in page offers (dev/test only)")
    async def users() -> list[DemoUser]:
        return demo_users()

    @r.post("/token", summary="A bearer token for a demo user (dev/test only)")
    async def token(request: Request, body: DevTokenRequest) -> DevToken:
        settings: GatewaySettings = request.app.state.settings
        user = next((u for u in demo_users() if u.subject == body.subject), None)
        if user is None:
            raise UnknownDemoUser(body.subject)
        access_token = issue_token(
            settings,
            subject=user.subject,
            csn=user.csn,
            roles=user.roles,
            partner_csn=user.partner_csn,
            ttl_seconds=TOKEN_TTL_SECONDS,
        )
        return DevToken(access_token=access_token, expires_in=TOKEN_TTL_SECONDS, user=user)

    return r
