"""Reading numbers from the address, in one place: ids, pages, years and days within their bounds.

A value that is not a number, or lies outside what the database can hold, reads as absent:
an address someone edited by hand leads to a page, never to an error from the database.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import Flask, request, url_for
from sqlalchemy.sql import Select
from werkzeug.routing import IntegerConverter

from app.extensions import db

#: The largest id a row can have: PostgreSQL's INTEGER (SQLite's are wider).
ID_MAX = 2**31 - 1
#: A day as date inputs send it.
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
#: Pages past this are past the end of any list the app keeps.
PAGE_MAX = 1_000_000


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route: 1 … ID_MAX unless the rule says otherwise; else 404."""

    def __init__(self, map, *args, **kwargs):  # type: ignore[no-untyped-def] # noqa: A002
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", ID_MAX)
        super().__init__(map, *args, **kwargs)


def int_arg(name: str, *, lo: int = 1, hi: int = ID_MAX, args: Mapping[str, str] | None = None) -> int | None:
    """The query argument ``name`` (of ``args``, by default the request's) as an int in
    [lo, hi], or None."""
    raw = str((request.args if args is None else args).get(name, "")).strip()
    if not raw or len(raw) > len(str(max(abs(lo), abs(hi)))) + 1:
        return None
    try:
        value = int(raw)
    except ValueError:
        return None
    return value if lo <= value <= hi else None


def date_arg(name: str, *, args: Mapping[str, str] | None = None) -> date | None:
    """The query argument ``name`` (of ``args``, by default the request's) as a day
    (YYYY-MM-DD), or None."""
    raw = str((request.args if args is None else args).get(name, "")).strip()
    if not ISO_DAY.fullmatch(raw):
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


#: Lists count their rows up to this many; beyond it they say "more than" (a count of a
#: whole table would grow with the table).
COUNT_CAP = 1000


@dataclass(frozen=True)
class Page:
    """One page of a list, counted up to COUNT_CAP rows."""

    items: list[Any]
    page: int
    per_page: int
    #: Rows counted (at most COUNT_CAP + 1); ``capped`` when there are more than COUNT_CAP.
    total: int
    capped: bool
    has_next: bool

    @property
    def pages(self) -> int:
        """Pages known to exist (all of them unless capped)."""
        return max(1, -(-min(self.total, COUNT_CAP) // self.per_page), self.page + self.has_next)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def _page_number() -> int:
    raw = request.args.get("page", "").strip()
    if raw.isascii() and raw.isdigit():
        return max(1, PAGE_MAX if len(raw) > len(str(PAGE_MAX)) else min(int(raw), PAGE_MAX))
    return 1


def paginate(stmt: Select, per_page: int) -> Page:
    """The page of ``stmt`` that ``?page=`` asks for: 1 when absent or not a page number, the
    last page when past the end. Reads one page (and one row more) and counts at most
    COUNT_CAP + 1 rows, so a page costs the same however long the list grows."""
    number = _page_number()
    counted = stmt.order_by(None).limit(COUNT_CAP + 1).subquery()
    total = db.session.scalar(sa.select(sa.func.count()).select_from(counted)) or 0
    rows = list(db.session.scalars(stmt.limit(per_page + 1).offset((number - 1) * per_page)))
    if not rows and number > 1:  # past the end: the last page (an exact count, only on this path)
        exact = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())) or 0
        number = max(1, -(-exact // per_page))
        rows = list(db.session.scalars(stmt.limit(per_page + 1).offset((number - 1) * per_page)))
    return Page(items=rows[:per_page], page=number, per_page=per_page, total=total,
                capped=total > COUNT_CAP, has_next=len(rows) > per_page)


def page_url(number: int) -> str:
    """This page's address with ``page=number``, keeping its other arguments."""
    args = request.args.copy()
    args.setlist("page", [str(number)])
    path = url_for(request.endpoint or "main.index", **(request.view_args or {}))
    return f"{path}?{urlencode(list(args.items(multi=True)))}"


def init_app(app: Flask) -> None:
    """Bound every ``<int:…>`` route argument; offer page_url to templates."""
    app.url_map.converters["int"] = IdConverter
    app.add_template_global(page_url)
