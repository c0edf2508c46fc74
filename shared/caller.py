"""Who may call a route (R-ROLE-1): one family of FastAPI dependencies. Each service names the
roles a route needs and the sentence a refused caller reads, in the form

    BillingPrincipal = Annotated[Principal, Depends(principal_with(BILLING_ROLES, "..."))]

and the route takes `principal: BillingPrincipal`. A caller without one of the roles gets
403 `forbidden` with that sentence. The gateway uses the same check on the principal it
authenticated (`source=`).

No `from __future__ import annotations` here: FastAPI reads the dependency's signature, whose
`Depends(source)` must be a value, not a string naming a local.
"""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends

from shared.errors import Forbidden
from shared.http import current_principal
from shared.principal import Principal, Role

PrincipalCheck = Callable[..., Awaitable[Principal]]


def require_roles(principal: Principal, roles: frozenset[Role], refusal: str) -> Principal:
    """The principal, if it holds one of `roles`; 403 `forbidden` with `refusal` otherwise."""
    if not principal.has_any(roles):
        raise Forbidden(refusal)
    return principal


def principal_with(
    roles: frozenset[Role],
    refusal: str,
    *,
    source: Callable[..., Any] = current_principal,
) -> PrincipalCheck:
    """A dependency giving the caller (read by `source`: the gateway's internal headers by
    default) once it holds one of `roles` (R-ROLE-1)."""

    async def caller_with_role(principal: Annotated[Principal, Depends(source)]) -> Principal:
        return require_roles(principal, roles, refusal)

    return caller_with_role
