"""Every export that may run in the background, registered with ``jobs.register``: who may ask
for it, how big it will be (``SIZES``) and how it is made from its stored parameters — the
same function whether it runs within the request (small) or on a worker (large).

Parameters are what the address said (the list's filters), read back by the same parsers
the pages use, so an export holds what the page showed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from app.archive.filters import archive_filter
from app.args import int_arg
from app.downloads import XLSX
from app.extensions import db
from app.issues.filters import issue_filter
from app.models import Campaign, Role, User
from app.services import calendar, checklists, issues, reports, visits
from app.services.errors import NotFound
from app.services.jobs import Output, Progress, register

Params = Mapping[str, Any]
#: How many rows an export will have, per kind (cheap counts).
SIZES: dict[str, Callable[[Params, User], int]] = {}
#: Up to this many rows an export is made within the request; above, in the background.
INLINE_LIMITS = {"issues.ledger": 5000, "issues.unit_ledger": 5000, "campaigns.ledger": 5000,
                 "archive.visits_csv": 5000, "archive.visits_xlsx": 3000}


def _campaign(params: Params) -> Campaign:
    campaign = db.session.get(Campaign, int_arg("campaign", args=params) or 0)
    if campaign is None:
        raise NotFound(_("There is no such campaign."))
    return campaign


def _encoded(chunks: Iterable[str]) -> Iterator[bytes]:
    for chunk in chunks:
        yield chunk.encode("utf-8")


def _ledger(query: sa.Select, heading: str, filename: str, progress: Progress) -> Output:
    today = calendar.china_today()
    content = reports.ledger_workbook(query, today, heading, progress)
    return Output(filename, XLSX, (content,))


@register("issues.ledger", roles=(Role.LEADER,))
def issues_ledger(params: Params, user: User, progress: Progress) -> Output:
    """The ledger of the issue list, with its filters."""
    today = calendar.china_today()
    return _ledger(issues.search_query(issue_filter(params), today),
                   _("Rectification ledger, %(date)s", date=today.isoformat()),
                   _("Rectification ledger") + f"-{today.isoformat()}.xlsx", progress)


@register("issues.unit_ledger", roles=(Role.UNIT,))
def unit_ledger(params: Params, user: User, progress: Progress) -> Output:
    """A unit's own rows of the ledger."""
    today = calendar.china_today()
    return _ledger(issues.for_unit_query(user.unit_id or 0),
                   _("Rectification ledger of %(unit)s, %(date)s", unit=user.unit.name if user.unit else "",
                     date=today.isoformat()),
                   _("Rectification ledger") + f"-{today.isoformat()}.xlsx", progress)


@register("campaigns.ledger", roles=(Role.LEADER,))
def campaign_ledger(params: Params, user: User, progress: Progress) -> Output:
    """The ledger of the issues a campaign's visits found."""
    campaign = _campaign(params)
    query = issues.search_query(issues.IssueFilter(campaign_id=campaign.id), calendar.china_today())
    return _ledger(query, _("Rectification ledger: %(name)s", name=campaign.name),
                   _("Rectification ledger") + f"-{campaign.name}.xlsx", progress)


@register("archive.visits_csv", roles=(Role.LEADER,))
def visits_csv(params: Params, user: User, progress: Progress) -> Output:
    """The archive's visits with their answers, one column per question, as CSV."""
    template = checklists.registry().current()
    name = _("Visits") + f"-{calendar.china_today().isoformat()}.csv"
    spec = archive_filter(params)
    total = _count(visits.archive_query(spec))
    chunks = reports.visits_export.csv_chunks(spec, template, lambda done: progress(done, total))
    return Output(name, "text/csv", _encoded(chunks))


@register("archive.visits_xlsx", roles=(Role.LEADER,))
def visits_xlsx(params: Params, user: User, progress: Progress) -> Output:
    """The same as an .xlsx workbook."""
    template = checklists.registry().current()
    today = calendar.china_today().isoformat()
    spec = archive_filter(params)
    total = _count(visits.archive_query(spec))
    content = reports.visits_export.workbook(spec, template, _("Visits and answers, %(date)s", date=today),
                                             lambda done: progress(done, total))
    return Output(_("Visits") + f"-{today}.xlsx", XLSX, (content,))


def _count(stmt: sa.Select) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())) or 0


SIZES.update({
    "issues.ledger": lambda p, u: _count(issues.search_query(issue_filter(p), calendar.china_today())),
    "issues.unit_ledger": lambda p, u: _count(issues.for_unit_query(u.unit_id or 0)),
    "campaigns.ledger": lambda p, u: _count(issues.search_query(
        issues.IssueFilter(campaign_id=_campaign(p).id), calendar.china_today())),
    "archive.visits_csv": lambda p, u: _count(visits.archive_query(archive_filter(p))),
    "archive.visits_xlsx": lambda p, u: _count(visits.archive_query(archive_filter(p))),
})
