"""The leaders' dashboard and visits assigned by hand."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from werkzeug.wrappers import Response

from app.args import int_arg, paginate
from app.auth.access import roles_required
from app.dashboard import charts, filters
from app.dashboard.forms import AssignmentForm, ManualFindingForm
from app.extensions import cache, db, talisman
from app.formtools import choices, form_status, save_form
from app.labels import CATEGORY_LABELS, FIGURE_LABELS, SEVERITY_LABELS, STATE_LABELS
from app.models import Assignment, Category, Finding, Role, Severity, Visit, VisitState
from app.models.base import utcnow
from app.services import campaigns, catalogue, checklists, issues, metrics, visits
from app.services.errors import ServiceError

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
leader_only = roles_required(Role.LEADER)


@bp.route("/")
@leader_only
def index() -> str:
    """The leader's home: what waits for them, then the figures of the filter in the address."""
    today = issues.china_today()
    options = filters.choices(campaigns.visible_to(current_user))
    wanted = filters.read(today, options)
    return render_template("dashboard/index.html", todo=issues.leader_todo(today), today=today, options=options,
                           f=wanted, board_html=_board(wanted, today, str(get_locale())))


@cache.memoize()
def _board(wanted: metrics.Filter, today: date, locale: str) -> Markup:
    """The dashboard's figures for a filter, computed and rendered at most once a minute
    (CACHE_DEFAULT_TIMEOUT); the to-do list above them is always read fresh. The locale is part
    of the key: the page's words and the names in the figures are translated. Nothing in it
    depends on who asks (the filter already says which campaign)."""
    return Markup(render_template(
        "dashboard/_board.html", board=metrics.dashboard(wanted, today), weeks=metrics.weeks(wanted),
        waits=metrics.waits(wanted), halls=metrics.halls(wanted), computed_at=utcnow(),
        chart_args=filters.args(wanted), categories=CATEGORY_LABELS, severities=SEVERITY_LABELS,
        states=STATE_LABELS, figure_labels=FIGURE_LABELS))


@bp.route("/charts/<name>.svg")
@talisman(content_security_policy=charts.CHART_CSP)
@leader_only
def chart(name: str) -> Response:
    """One of the dashboard's charts for the filter in the address, as an SVG image."""
    draw = charts.CHARTS.get(name)
    if draw is None:
        abort(404)
    wanted = filters.read(issues.china_today(), filters.choices(campaigns.visible_to(current_user)))
    return Response(draw(wanted), mimetype="image/svg+xml", headers={"Cache-Control": "private, max-age=60"})


@bp.route("/assignments", methods=["GET", "POST"])
@leader_only
def assignments() -> ResponseReturnValue:
    """Give an inspector a window to visit, and follow the assignments."""
    form = AssignmentForm()
    form.inspector_id.choices = choices(visits.inspector_choices())
    form.window_id.choices = choices(visits.window_choices())
    form.service_item_id.choices = choices([(0, _("(any matter)"))] + catalogue.service_item_choices())
    done = save_form(form, lambda: visits.assign(visits.AssignmentData(
        inspector_id=form.inspector_id.data, window_id=form.window_id.data,
        service_item_id=form.service_item_id.data or None, persona=form.persona.data or "",
        due_date=form.due_date.data, note=form.note.data or ""), actor=current_user),
        _("Assigned."), lambda _a: url_for("dashboard.assignments"))
    return done or (render_template("dashboard/assignments.html", form=form,
                                    assignments=visits.recent_assignments()), form_status())


@bp.route("/assignments/<int:assignment_id>/cancel", methods=["POST"])
@leader_only
def cancel_assignment(assignment_id: int) -> Response:
    """Withdraw an open assignment."""
    assignment = db.get_or_404(Assignment, assignment_id)
    try:
        visits.cancel_assignment(assignment, actor=current_user)
    except ServiceError as exc:
        flash(str(exc.message), "error")
    else:
        db.session.commit()
        flash(_("Assignment cancelled."), "success")
    return redirect(url_for("dashboard.assignments"))


@bp.route("/visits/")
@leader_only
def visit_list() -> str:
    """Submitted visits waiting for a leader, with their position marks."""
    campaign_id = int_arg("campaign")
    page = paginate(visits.for_review_query(campaign_id), per_page=50)
    return render_template("dashboard/visits.html", visits=page.items, page=page, campaign_id=campaign_id,
                           campaigns=campaigns.visible_to(current_user),
                           marks={v.id: visits.position_marks(v) for v in page.items})


@bp.route("/visits/<int:visit_id>")
@leader_only
def visit_detail(visit_id: int) -> tuple[str, int]:
    """A visit's full record (any state; the review steps only while it waits for review): timings,
    position marks, photos, materials, answers, findings and the issues they fed."""
    visit = visits.record(visit_id)
    if visit is None:
        abort(404)
    return _review_page(visit)


def _review_page(visit: Visit, status: int = 200) -> tuple[str, int]:
    """The review page (422 after a refused step: the page again, with why, and what was typed)."""
    template = checklists.stored_template(visit.survey_version)
    answers = visit.answers_dict()
    # After a POST the form holds what was typed; a GET shows the blank form, kept rendered.
    manual = _manual_form() if request.method == "POST" else None
    findings = checklists.of_visit(visit)
    return render_template("dashboard/review.html", visit=visit, template=template, answers=answers,
                           shown={q.key for q in checklists.visible(template, answers)},
                           marks=visits.position_marks(visit),
                           back=url_for("dashboard.visit_list" if visit.state is VisitState.SUBMITTED else "archive.index"),
                           findings=findings, manual_form=manual, blank_manual_form=_manual_form,
                           history=visits.history(visit),
                           plan=issues.approval_plan(visit, findings) if visit.state is VisitState.SUBMITTED else None,
                           severities=[(s.value, SEVERITY_LABELS[s]) for s in Severity]), status


def _manual_form() -> ManualFindingForm:
    form = ManualFindingForm()
    form.category.choices = choices([(c.value, CATEGORY_LABELS[c]) for c in Category])
    form.severity.choices = choices([(s.value, SEVERITY_LABELS[s]) for s in Severity])
    return form


def _review_step(visit_id: int, action) -> ResponseReturnValue:  # type: ignore[no-untyped-def]
    visit = db.get_or_404(Visit, visit_id)
    try:
        result = action(visit)
    except ServiceError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return _review_page(db.get_or_404(Visit, visit_id), 422)
    db.session.commit()
    said, result = result if isinstance(result, tuple) else (_("Saved."), result)  # (what it did, where next)
    flash(said, "success")
    return result or redirect(url_for("dashboard.visit_detail", visit_id=visit.id))


def _finding_of(visit: Visit, finding_id: int) -> Finding:
    finding = db.session.get(Finding, finding_id)
    if finding is None or finding.visit_id != visit.id:
        abort(404)
    return finding


@bp.route("/visits/<int:visit_id>/approve", methods=["POST"])
@leader_only
def approve_visit(visit_id: int) -> ResponseReturnValue:
    """Approve: the remaining findings become issues for the units."""
    def act(visit: Visit) -> tuple[str, Response]:
        touched = issues.approve(visit, current_user)
        units = len({issue.lead_unit_id for issue in touched})
        said = _("Approved: %(issues)s, %(units)s.",
                 issues=ngettext("%(num)d issue", "%(num)d issues", len(touched)),
                 units=ngettext("sent to %(num)d unit", "sent to %(num)d units", units)) if touched else _(
                     "Approved: no issue to send.")
        return said, redirect(url_for("dashboard.visit_list"))
    return _review_step(visit_id, act)


@bp.route("/visits/<int:visit_id>/return", methods=["POST"])
@leader_only
def return_visit(visit_id: int) -> ResponseReturnValue:
    """Send the visit back to its inspector with a comment."""
    def act(visit: Visit) -> Response:
        issues.return_visit(visit, current_user, request.form.get("comment", ""))
        return redirect(url_for("dashboard.visit_list"))
    return _review_step(visit_id, act)


@bp.route("/visits/<int:visit_id>/findings/<int:finding_id>/<action>", methods=["POST"])
@leader_only
def finding_action(visit_id: int, finding_id: int, action: str) -> ResponseReturnValue:
    """Dismiss, restore or re-grade one proposed finding."""
    if action not in ("dismiss", "restore", "regrade"):
        abort(404)

    def act(visit: Visit) -> None:
        finding = _finding_of(visit, finding_id)
        if action == "dismiss":
            issues.dismiss(finding, current_user, request.form.get("note", ""))
        elif action == "restore":
            issues.restore(finding, current_user)
        else:
            value = request.form.get("severity", "")
            if value not in {s.value for s in Severity}:
                raise ServiceError(_("Choose a severity."))
            issues.regrade(finding, Severity(value), current_user)
    return _review_step(visit_id, act)


@bp.route("/visits/<int:visit_id>/findings", methods=["POST"])
@leader_only
def add_finding(visit_id: int) -> ResponseReturnValue:
    """Add a finding no rule made."""
    form = _manual_form()

    def act(visit: Visit) -> None:
        if not form.validate_on_submit():
            raise ServiceError(" ".join(str(e) for errors in form.errors.values() for e in errors))
        issues.add_manual(visit, issues.ManualFinding(
            Category(form.category.data), Severity(form.severity.data), form.title.data,
            form.detail.data or "", form.hall_level.data), current_user)
    return _review_step(visit_id, act)
