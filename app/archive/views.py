"""The leaders' archive: every visit, in any state, filtered in the address and paged in SQL."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from app.archive.filters import archive_filter
from app.args import paginate
from app.auth.access import roles_required
from app.exports.views import offer
from app.labels import VISIT_STATE_LABELS
from app.models import Role
from app.services import campaigns, catalogue, visits

bp = Blueprint("archive", __name__, url_prefix="/archive")
PER_PAGE = 50


@bp.route("/visits.csv")
@roles_required(Role.LEADER)
def visits_csv() -> ResponseReturnValue:
    """The archive's visits with their answers, one column per question, as CSV."""
    return offer("archive.visits_csv", request.args.to_dict())


@bp.route("/visits.xlsx")
@roles_required(Role.LEADER)
def visits_xlsx() -> ResponseReturnValue:
    """The same as an .xlsx workbook."""
    return offer("archive.visits_xlsx", request.args.to_dict())


@bp.route("/")
@roles_required(Role.LEADER)
def index() -> str:
    """Every visit, newest first, with the filters of the address."""
    spec = archive_filter(request.args)
    page = paginate(visits.archive_query(spec), per_page=PER_PAGE)
    return render_template(
        "archive/index.html", page=page, spec=spec, counts=visits.finding_counts([v.id for v in page.items]),
        states=VISIT_STATE_LABELS, halls=catalogue.hall_options(), units=catalogue.active_units(),
        windows=visits.window_choices(), inspectors=visits.inspector_choices(),
        items=catalogue.service_item_choices(), campaigns=campaigns.visible_to(current_user))
