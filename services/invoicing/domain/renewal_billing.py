"""Which automatic renewals of a batch get an invoice (R-SUB-5): decided for the whole batch at
once, in the order the requests arrived, exactly as one request at a time would decide —
one invoice per renewal term, however often it is requested (reconciliation asks again with a
new event id), never a second one for a term the customer already bought (cart, quote)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from services.invoicing.domain.model import Invoice


@dataclass(frozen=True)
class RenewalAsked:
    csn: str
    renewal_id: str

    @property
    def source_key(self) -> str:
        return f"renewal:{self.renewal_id}"


@dataclass(frozen=True)
class RenewalBilling:
    """issue: a new order and invoice; otherwise say again where the term stands: the
    invoices already billing it, or the one issued for an earlier request of the batch."""

    issue: bool = False
    already_billed: Sequence[Invoice] = field(default_factory=tuple)
    issued_by_request: int | None = None  # index, in the batch, of the request that issued it


def plan_renewal_billing(
    asked: Sequence[RenewalAsked],
    billed: Mapping[tuple[str, str], Sequence[Invoice]],
    sources_taken: set[str],
) -> list[RenewalBilling]:
    """`billed`: the open or paid invoices of each (csn, renewal id) before the batch;
    `sources_taken`: the source keys that already have an invoice, whatever its state."""
    issued_at: dict[tuple[str, str], int] = {}
    taken = set(sources_taken)
    plan: list[RenewalBilling] = []
    for index, request in enumerate(asked):
        key = (request.csn, request.renewal_id)
        if billed.get(key):
            plan.append(RenewalBilling(already_billed=tuple(billed[key])))
        elif key in issued_at:
            plan.append(RenewalBilling(issued_by_request=issued_at[key]))
        elif request.source_key in taken:
            plan.append(RenewalBilling())  # its invoice was replaced: nothing to bill or say
        else:
            issued_at[key] = index
            taken.add(request.source_key)
            plan.append(RenewalBilling(issue=True))
    return plan
