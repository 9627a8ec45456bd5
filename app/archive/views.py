"""The leaders' archive: every visit, in any state, filtered in the address and paged in SQL."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template, request
from flask_login import current_user

from app.args import int_arg, paginate
from app.auth.access import roles_required
from app.labels import VISIT_STATE_LABELS
from app.models import Role, VisitState
from app.services import campaigns, catalogue, visits

bp = Blueprint("archive", __name__, url_prefix="/archive")
PER_PAGE = 50


def _date_arg(name: str) -> date | None:
    raw = request.args.get(name, "").strip()
    try:
        return date.fromisoformat(raw) if len(raw) == 10 else None
    except ValueError:
        return None


def _filter() -> visits.ArchiveFilter:
    state = request.args.get("state", "")
    found = request.args.get("findings", "")
    return visits.ArchiveFilter(
        date_from=_date_arg("from"), date_to=_date_arg("to"), campaign_id=int_arg("campaign"),
        hall_id=int_arg("hall"), window_id=int_arg("window"), unit_id=int_arg("unit"),
        inspector_id=int_arg("inspector"), service_item_id=int_arg("item"),
        state=VisitState(state) if state in {s.value for s in VisitState} else None,
        has_findings={"1": True, "0": False}.get(found))


@bp.route("/")
@roles_required(Role.LEADER)
def index() -> str:
    """Every visit, newest first, with the filters of the address."""
    spec = _filter()
    page = paginate(visits.archive_query(spec), per_page=PER_PAGE)
    return render_template(
        "archive/index.html", page=page, spec=spec, counts=visits.finding_counts([v.id for v in page.items]),
        states=VISIT_STATE_LABELS, halls=catalogue.active_halls(), units=catalogue.active_units(),
        windows=visits.window_choices(), inspectors=visits.inspector_choices(),
        items=catalogue.service_item_choices(), campaigns=campaigns.visible_to(current_user))
