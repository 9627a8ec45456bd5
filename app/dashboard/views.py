"""The leaders' dashboard and visits assigned by hand."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app.auth.access import roles_required
from app.dashboard.forms import AssignmentForm
from app.extensions import db
from app.formtools import attach_error, choices
from app.models import Assignment, Role, Visit, VisitState
from app.services import catalogue, surveys, visits
from app.services.errors import ServiceError

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
leader_only = roles_required(Role.LEADER)


@bp.route("/")
@leader_only
def index() -> str:
    """The leader's home: what waits for review, and the halls under watch."""
    return render_template(
        "dashboard/index.html", counts=catalogue.counts(), halls=catalogue.active_halls(),
        waiting=len(visits.for_review()),
    )


@bp.route("/assignments", methods=["GET", "POST"])
@leader_only
def assignments() -> str | Response:
    """Give an inspector a window to visit, and follow the assignments."""
    form = AssignmentForm()
    form.inspector_id.choices = choices(visits.inspector_choices())
    form.window_id.choices = choices(visits.window_choices())
    form.service_item_id.choices = choices([(0, _("(any matter)"))] + catalogue.service_item_choices())
    if form.validate_on_submit():
        try:
            visits.assign(visits.AssignmentData(
                inspector_id=form.inspector_id.data, window_id=form.window_id.data,
                service_item_id=form.service_item_id.data or None, persona=form.persona.data or "",
                due_date=form.due_date.data, note=form.note.data or ""), actor=current_user)
        except ServiceError as exc:
            db.session.rollback()
            attach_error(form, exc)
        else:
            db.session.commit()
            flash(_("Assigned."), "success")
            return redirect(url_for("dashboard.assignments"))
    return render_template("dashboard/assignments.html", form=form,
                           assignments=visits.recent_assignments())


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
    queue = visits.for_review()
    return render_template("dashboard/visits.html", visits=queue,
                           marks={v.id: visits.position_marks(v) for v in queue})


@bp.route("/visits/<int:visit_id>")
@leader_only
def visit_detail(visit_id: int) -> str:
    """One submitted visit: timings, position marks, photos, materials and answers."""
    visit = db.get_or_404(Visit, visit_id)
    if visit.state is VisitState.DRAFT:
        abort(404)
    template = surveys.stored_template(visit.survey_version)
    answers = visit.answers_dict()
    return render_template("visits/view.html", visit=visit, template=template, answers=answers,
                           shown={q.key for q in surveys.visible(template, answers)},
                           marks=visits.position_marks(visit), back=url_for("dashboard.visit_list"))
