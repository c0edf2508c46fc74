from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.gateway.policy import Action


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    service: str
    action: Action
    summary: str
    # POSTs that create or pay accept an Idempotency-Key (ARCHITECTURE: idempotent commands).
    idempotent: bool = False
    # Optional examples for the OpenAPI document (the service's own schemas are shown anyway);
    # `request_example` is also the body the gateway's tests send (tenant isolation).
    request_example: dict[str, Any] | None = None
    response_example: Any = None
