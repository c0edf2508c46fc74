"""One pagination shape for every list: limit/offset in, items + total out."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel, Field

T = TypeVar("T")
# Far beyond any real list, and within what a database's OFFSET takes (a bigger number is a
# clear 422, not a database error).
MAX_OFFSET = 1_000_000_000


class PageParams(BaseModel):
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


def page_params(
    limit: Annotated[int, Query(ge=1, le=200, description="Items per page")] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Items to skip")] = 0,
) -> PageParams:
    return PageParams(limit=limit, offset=offset)


PageDep = Annotated[PageParams, Depends(page_params)]


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


def page_of(items: Iterable[T], total: int, params: PageParams) -> Page[T]:
    """The one way a list answers: these items of `total`, at the limit and offset asked."""
    return Page(items=list(items), total=total, limit=params.limit, offset=params.offset)
