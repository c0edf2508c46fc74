"""Compiles a domain criterion (domain/criteria.py) to a SQL condition, so that a sweep selects
exactly what the aggregate would accept."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, and_, not_, or_

from services.subscriptions.adapters.orm import payment_methods, subscriptions
from services.subscriptions.domain.criteria import (
    AllOf,
    AnyOf,
    Before,
    Criterion,
    Is,
    Not,
    NotAfter,
    OneOf,
    Same,
)

# The facts a criterion may name: the subscription's columns, and its method's as `method.*`.
FACTS: Mapping[str, ColumnElement[Any]] = {
    **{c.name: c for c in subscriptions.c},
    **{f"method.{c.name}": c for c in payment_methods.c},
}


def to_sql(criterion: Criterion, facts: Mapping[str, ColumnElement[Any]] = FACTS) -> Any:
    match criterion:
        case Is(fact, value) if value is None or isinstance(value, bool):
            return facts[fact].is_(value)
        case Is(fact, value):
            return facts[fact] == value
        case OneOf(fact, values):
            return facts[fact].in_(list(values))
        case Before(fact, value):
            return facts[fact] < value
        case NotAfter(fact, value):
            return facts[fact] <= value
        case Same(fact, other):
            return facts[fact].is_not_distinct_from(facts[other])
        case Not(inner):
            return not_(to_sql(inner, facts))
        case AllOf(criteria):
            return and_(*(to_sql(c, facts) for c in criteria))
        case AnyOf(criteria):
            return or_(*(to_sql(c, facts) for c in criteria))
    raise TypeError(f"not a criterion: {criterion!r}")
