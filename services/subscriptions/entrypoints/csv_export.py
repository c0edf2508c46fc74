"""The CSV export of subscriptions (R-SUB-3): columns, one row per subscription, and a
streamed response. A plain user's export carries no price, card or payment column
(R-ROLE-1)."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Any

from fastapi.responses import StreamingResponse

from services.subscriptions.entrypoints.schemas import SubscriptionOut
from shared.money import Money
from shared.principal import Principal

CSV_COLUMNS = [
    "id",
    "contract_id",
    "product_code",
    "product_name",
    "team_id",
    "team_name",
    "seats",
    "term",
    "unit_price",
    "currency",
    "auto_renew",
    "start_date",
    "renewal_date",
    "status",
    "purchase_method",
    "payment_method",
    "csn",
    "partner_csn",
    "assigned_to",
    "seats_at_renewal",
    "term_at_renewal",
    "renewal_amount",
    "payment_error",
]
BILLING_CSV_COLUMNS = frozenset({"unit_price", "payment_method", "renewal_amount", "payment_error"})


def csv_columns(principal: Principal) -> list[str]:
    """A plain user's export carries no price, card or payment column (R-ROLE-1)."""
    if principal.sees_billing_data:
        return CSV_COLUMNS
    return [c for c in CSV_COLUMNS if c not in BILLING_CSV_COLUMNS]


CSV_EXAMPLE = (
    ",".join(CSV_COLUMNS)
    + "\r\nsub-acme-cad,ctr-acme-1,CAD-PRO,CAD Pro,team-acme-eng,Engineering,10,annual,1200.00,"
    "EUR,True,2025-03-01,2027-03-01,active,online,Visa •••• 4242,5100000001,,,10,annual,"
    "12000.00,\r\n"
)


def _cell(value: Any) -> str:
    """Plain text; a leading = + - @ is neutralised so spreadsheets don't run it as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _money_text(amount: int | None, currency: str) -> str | None:
    return None if amount is None else Money(amount, currency).text()


def csv_row(s: SubscriptionOut, columns: list[str]) -> list[str]:
    values = {
        **s.model_dump(),
        "unit_price": _money_text(s.unit_price_amount, s.currency),
        "renewal_amount": _money_text(s.renewal_amount, s.currency),
        "payment_method": s.payment_method_label or s.payment_method_id,
    }
    return [_cell(values[c]) for c in columns]


def csv_response(
    rows: AsyncIterator[list[list[str]]], columns: list[str], filename: str
) -> StreamingResponse:
    async def body() -> AsyncIterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(columns)
        async for batch in rows:
            writer.writerows(batch)
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue()

    return StreamingResponse(
        body(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
