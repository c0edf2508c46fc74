"""A rule written once and read twice: the aggregate evaluates it on itself, the repository
compiles it to SQL. "Due for auto-renewal" and "expired" were written in both and could
disagree; a sweep that selects what the aggregate refuses would select it again forever.

Facts are attribute names of the subscription, or `method.<name>` for its payment method.
Ordering comparisons (Before, NotAfter) are only used on facts that are never NULL, or
outside a Not, so that SQL's NULL and Python's False agree."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

Facts = Callable[[str], Any]


@dataclass(frozen=True)
class Is:
    fact: str
    value: Any  # None, a bool, an enum member or a plain value


@dataclass(frozen=True)
class OneOf:
    fact: str
    values: tuple[Any, ...]


@dataclass(frozen=True)
class Before:
    """Strictly earlier."""

    fact: str
    value: date | datetime


@dataclass(frozen=True)
class NotAfter:
    fact: str
    value: date | datetime


@dataclass(frozen=True)
class Same:
    """Two facts are equal, NULL being equal to NULL only (IS NOT DISTINCT FROM)."""

    fact: str
    other: str


@dataclass(frozen=True)
class Not:
    criterion: Criterion


@dataclass(frozen=True)
class AllOf:
    criteria: tuple[Criterion, ...]


@dataclass(frozen=True)
class AnyOf:
    criteria: tuple[Criterion, ...]


Criterion = Is | OneOf | Before | NotAfter | Same | Not | AllOf | AnyOf


def all_of(*criteria: Criterion) -> AllOf:
    return AllOf(criteria)


def any_of(*criteria: Criterion) -> AnyOf:
    return AnyOf(criteria)


def holds(criterion: Criterion, facts: Facts) -> bool:
    """Evaluate the criterion in Python, with SQL's answer for a missing (NULL) fact."""
    match criterion:
        case Is(fact, value):
            return bool(facts(fact) == value) if value is not None else facts(fact) is None
        case OneOf(fact, values):
            return facts(fact) in values
        case Before(fact, value):
            known = facts(fact)
            return known is not None and bool(known < value)
        case NotAfter(fact, value):
            known = facts(fact)
            return known is not None and bool(known <= value)
        case Same(fact, other):
            return bool(facts(fact) == facts(other))
        case Not(inner):
            return not holds(inner, facts)
        case AllOf(criteria):
            return all(holds(c, facts) for c in criteria)
        case AnyOf(criteria):
            return any(holds(c, facts) for c in criteria)
    raise TypeError(f"not a criterion: {criterion!r}")
