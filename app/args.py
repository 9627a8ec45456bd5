"""Reading numbers from the address, in one place: ids, pages and years within their bounds.

A value that is not a number, or lies outside what the database can hold, reads as absent:
an address someone edited by hand leads to a page, never to an error from the database.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask, request, url_for
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.sql import Select
from werkzeug.routing import IntegerConverter

from app.extensions import db

#: The largest id a row can have: PostgreSQL's INTEGER (SQLite's are wider).
ID_MAX = 2**31 - 1
#: Pages past this are past the end of any list the app keeps.
PAGE_MAX = 1_000_000


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route: 1 … ID_MAX unless the rule says otherwise; else 404."""

    def __init__(self, map, *args, **kwargs):  # type: ignore[no-untyped-def] # noqa: A002
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", ID_MAX)
        super().__init__(map, *args, **kwargs)


def int_arg(name: str, *, lo: int = 1, hi: int = ID_MAX) -> int | None:
    """The query argument ``name`` as an int in [lo, hi], or None."""
    raw = request.args.get(name, "").strip()
    if not raw or len(raw) > len(str(max(abs(lo), abs(hi)))) + 1:
        return None
    try:
        value = int(raw)
    except ValueError:
        return None
    return value if lo <= value <= hi else None


def paginate(stmt: Select, per_page: int) -> Pagination:
    """The page of ``stmt`` that ``?page=`` asks for: 1 when absent or not a page number,
    the last page when past the end."""
    raw = request.args.get("page", "").strip()
    number = 1
    if raw.isascii() and raw.isdigit():
        number = max(1, PAGE_MAX if len(raw) > len(str(PAGE_MAX)) else min(int(raw), PAGE_MAX))
    page = db.paginate(stmt, page=number, per_page=per_page, error_out=False)
    if page.pages and number > page.pages:
        page = db.paginate(stmt, page=page.pages, per_page=per_page, error_out=False)
    return page


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
