"""R-SUB-5: a card is valid through its expiry month; once past it, the card is announced as no
longer valid (once), so that subscriptions stop counting on it for auto-renewal."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from services.payments.service_layer.methods import announce_expired_cards, announce_methods
from shared.clock import FixedClock
from tests.integration.payments.conftest import UowFactory
from tests.integration.payments.helpers import add_method, advance, published


async def test_card_past_its_expiry_month_is_announced_invalid_once(
    uow: UowFactory, db: AsyncEngine, clock: FixedClock
) -> None:
    card = await add_method(uow, exp_month=3, exp_year=2026)  # the clock is on 2 March 2026
    async with uow() as u:
        announce_methods(u, await u.payment_methods.get(card.csn, card.id))  # type: ignore[arg-type]
        await u.commit()

    assert await announce_expired_cards(uow()) == 0  # valid through the end of March
    advance(clock, days=30)  # 1 April
    assert await announce_expired_cards(uow()) == 1
    assert await announce_expired_cards(uow()) == 0

    snapshots = await published(db, "payment-method-changed")
    assert [(s["payment_method_id"], s["valid"]) for s in snapshots] == [
        ("pm-card", True),
        ("pm-card", False),
    ]
