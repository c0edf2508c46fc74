"""Operations only (internal token): the messages that could not be delivered, with why, so
that nothing is lost silently (R-NOTE-5). Customers read their e-mail, not this service."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel
from sqlalchemy import select

from services.notifications.adapters.orm import mail_messages
from shared.runtime import service_of

router = APIRouter(prefix="/internal/mail", tags=["operations"])


class MailOut(BaseModel):
    id: str
    fact_key: str
    kind: str
    csn: str
    recipient: str
    language: str
    subject: str
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


async def _engine(request: Request) -> Any:
    return service_of(request).engine


@router.get("", response_model=list[MailOut], summary="Messages by status (parked: gave up)")
async def list_mail(
    engine: Annotated[Any, Depends(_engine)],
    status: Annotated[str, Query(pattern="^(pending|sent|parked)$")] = "parked",
    csn: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[MailOut]:
    stmt = select(mail_messages).where(mail_messages.c.status == status)
    if csn is not None:
        stmt = stmt.where(mail_messages.c.csn == csn)
    stmt = stmt.order_by(mail_messages.c.created_at.desc()).limit(limit)
    async with engine.connect() as conn:
        rows = (await conn.execute(stmt)).all()
    return [MailOut.model_validate(dict(r._mapping)) for r in rows]
