"""Pages of rows: a SELECT or a computed list cut into numbered pages, with what paging controls need."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select

from mentoring.extensions import db

T = TypeVar("T")
PER_PAGE = 50
MAX_PAGE = 100_000


@dataclass
class Page(Generic[T]):
    """One page of a longer list: its items, its number (from 1), the page size and the total count."""

    items: list[T] = field(default_factory=list)
    page: int = 1
    per_page: int = PER_PAGE
    total: int = 0

    @property
    def pages(self) -> int:
        """How many pages there are (at least 1)."""
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        """Whether a page comes before this one."""
        return self.page > 1

    @property
    def has_next(self) -> bool:
        """Whether a page comes after this one."""
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        """The previous page's number."""
        return max(1, self.page - 1)

    @property
    def next_num(self) -> int:
        """The next page's number."""
        return min(self.pages, self.page + 1)

    @property
    def first(self) -> int:
        """The position (from 1) of the first item on this page, 0 when empty."""
        return (self.page - 1) * self.per_page + 1 if self.items else 0

    @property
    def last(self) -> int:
        """The position of the last item on this page."""
        return self.first + len(self.items) - 1 if self.items else 0


def page_number(value: Any) -> int:
    """A page number from a query string value: anything odd is page 1, huge numbers are capped."""
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return 1
    return min(max(1, number), MAX_PAGE)


def paginate(query: Select, page: int, per_page: int = PER_PAGE, scalars: bool = True) -> Page:
    """One page of a SELECT (LIMIT/OFFSET) and the count of all its rows; a page past the end shows the last."""
    total = db.session.execute(select(func.count()).select_from(query.order_by(None).subquery())).scalar_one()
    page = min(page_number(page), max(1, -(-total // per_page)))
    result = db.session.execute(query.limit(per_page).offset((page - 1) * per_page))
    items = list(result.scalars()) if scalars else list(result.all())
    return Page(items, page, per_page, total)


def page_of(rows: Sequence[T], page: int, per_page: int = PER_PAGE) -> Page[T]:
    """One page of rows already in memory."""
    total = len(rows)
    page = min(page_number(page), max(1, -(-total // per_page)))
    start = (page - 1) * per_page
    return Page(list(rows[start : start + per_page]), page, per_page, total)
