"""Issues (问题) and their rectification. Units see only their own, and never who visited."""

from __future__ import annotations

from typing import BinaryIO

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

from app.args import paginate
from app.auth.access import deny, roles_required
from app.extensions import db
from app.formtools import attach_error, choices
from app.issues import forms
from app.issues.filters import issue_filter
from app.labels import CATEGORY_LABELS, CONTEST_KIND_LABELS, EVENT_LABELS, SEVERITY_LABELS, STATE_LABELS, TYPE_LABELS
from app.models import ContestKind, Issue, RectificationType, Role, Severity, Unit
from app.numbering import NumberForm, PeriodNumberForm, blank, save
from app.services import campaigns, catalogue, issues, reports, visits, wording
from app.services.errors import ServiceError

bp = Blueprint("issues", __name__, url_prefix="/issues")
#: Issues per page of a list.
PER_PAGE = 50
unit_only = roles_required(Role.UNIT)
leader_only = roles_required(Role.LEADER)


@bp.route("/")
@unit_only
def index() -> str:
    """A unit's home: its issues, what to answer, and deadlines."""
    today = issues.china_today()
    page = paginate(issues.for_unit_query(current_user.unit_id), per_page=PER_PAGE)
    return render_template("issues/index.html", unit=current_user.unit, issues=page.items, page=page,
                           todo=issues.unit_todo(current_user.unit_id, today), today=today)


@bp.route("/all")
@leader_only
def listing() -> ResponseReturnValue:
    """All issues for leaders, with filters and sorting."""
    return _listing_page(request.args)


def _listing_page(args: MultiDict[str, str], notice_form: NumberForm | None = None,
                  period_form: NumberForm | None = None) -> ResponseReturnValue:
    """The list, with the 发文字号 of the notice to the unit and of the period's 通报 it is
    filtered by; after a refused number, with that form as sent and status 422."""
    spec = issue_filter(args)
    today = issues.china_today()
    page = paginate(issues.search_query(spec, today), per_page=PER_PAGE)
    numbers = reports.numbers
    notice_number = numbers.number(numbers.notice_subject(spec.unit_id, today), today) if spec.unit_id else None
    period_number = numbers.number(numbers.period_subject(spec.found_from, spec.found_to), today) \
        if spec.found_from and spec.found_to else None
    html = render_template("issues/list.html", page=page, issues=page.items, spec=spec, today=today,
                           units=catalogue.active_units(), halls=catalogue.hall_options(),
                           campaigns=campaigns.visible_to(current_user), notice_number=notice_number,
                           period_number=period_number,
                           # blank forms only where a number is shown (forms cost more than the page's rows)
                           notice_form=notice_form or (blank() if notice_number else None),
                           period_form=period_form or (blank(PeriodNumberForm) if period_number else None))
    return html, (422 if notice_form or period_form else 200)


@bp.route("/all/notice/<int:unit_id>/number", methods=["POST"])
@leader_only
def notice_number(unit_id: int) -> ResponseReturnValue:
    """Record the 发文字号 the office's register gave today's 整改通知 to the unit."""
    unit = db.get_or_404(Unit, unit_id)
    form = NumberForm()
    done = save(form, lambda: reports.numbers.notice_subject(unit.id, issues.china_today()),
                url_for("issues.listing", unit=unit.id))
    return done or _listing_page(MultiDict({"unit": str(unit.id)}), notice_form=form)


@bp.route("/all/circular/number", methods=["POST"])
@leader_only
def period_number() -> ResponseReturnValue:
    """Record the 发文字号 the office's register gave the 通报 of a period."""
    form = PeriodNumberForm()

    def subject() -> str:
        span = reports.period(form.start.data, form.end.data)
        return reports.numbers.period_subject(span.start, span.end)

    typed = {"from": (form.start.data or "")[:10], "to": (form.end.data or "")[:10]}
    done = save(form, subject, url_for("issues.listing", **typed))
    return done or _listing_page(MultiDict(typed), period_form=form)


def _load(issue_id: int) -> Issue:
    """The issue, if this user may see it (404 otherwise: another unit's issue does not exist)."""
    issue = issues.with_history(issue_id)
    if issue is None:
        abort(404)
    if current_user.role is Role.LEADER or issues.is_responsible(issue, current_user):
        return issue
    deny(404)


@bp.route("/<int:issue_id>")
@roles_required(Role.LEADER, Role.UNIT)
def detail(issue_id: int) -> str:
    """An issue: occurrences, photos, timeline, and the steps open to this user."""
    return _detail_page(_load(issue_id))


#: The context name under which the detail page shows each step's form.
FORM_NAMES = {forms.ReportForm: "report_form", forms.ExplainForm: "explain_form",
              forms.ExtensionForm: "extension_form", forms.NoteForm: "note_form",
              forms.RevisitForm: "revisit_form", forms.SettingsForm: "settings_form",
              forms.ContestForm: "contest_form", forms.TransferForm: "transfer_form",
              forms.DismissForm: "dismiss_form", forms.RejectForm: "reject_form"}


def _detail_page(issue: Issue, refused: FlaskForm | None = None) -> tuple[str, int] | str:
    """The detail page; after a refused step, with that step's form as sent and status 422.

    A unit's page is built from the unit's view of the issue, which holds nothing of the visits.
    """
    context: dict[str, object] = {"today": issues.china_today(), "steps": issues.steps(issue, current_user)}
    if current_user.role is Role.UNIT:
        template = "issues/unit_detail.html"
        context.update(issue=issues.unit_view(issue), report_form=forms.ReportForm(),
                       explain_form=forms.ExplainForm(), extension_form=forms.ExtensionForm(),
                       contest_form=_contest_form(issue))
    else:
        template = "issues/detail.html"
        revisit = _revisit_form(issue)
        context.update(issue=issue, heading=wording.issue_heading(issue.category, issue.window),
                       problems=wording.problems(o.finding for o in issue.occurrences),
                       note_form=forms.NoteForm(), revisit_form=revisit,
                       settings_form=_settings_form(issue), contest=issue.open_contest,
                       contest_kinds=CONTEST_KIND_LABELS, transfer_form=_transfer_form(issue),
                       dismiss_form=forms.DismissForm(), reject_form=forms.RejectForm())
    if refused is None:
        return render_template(template, **context)
    context[FORM_NAMES[type(refused)]] = refused
    return render_template(template, **context), 422


def _revisit_form(issue: Issue) -> forms.RevisitForm:
    """Draw the inspector (or choose one who found none of them); other issues of the window to add."""
    form = forms.RevisitForm()
    found = issues.finders([issue])
    form.inspector_id.choices = choices([(forms.DRAW, _("Draw at random (双随机)"))] + [
        (str(i), label) for i, label in visits.inspector_choices() if i not in found])
    form.also_ids.choices = choices([(i.id, f"#{i.id} {wording.issue_heading(i.category, i.window)}")
                                     for i in issues.companions(issue)])
    return form


def _settings_form(issue: Issue) -> forms.SettingsForm:
    form = forms.SettingsForm(obj=issue)
    units = choices(catalogue.unit_choices(issue.lead_unit_id))
    form.lead_unit_id.choices = units
    form.supporting_unit_ids.choices = units
    form.severity.choices = choices([(s.value, SEVERITY_LABELS[s]) for s in Severity])
    form.rectification_type.choices = choices([(t.value, TYPE_LABELS[t]) for t in RectificationType])
    if request.method == "GET":
        form.supporting_unit_ids.data = [u.id for u in issue.supporting_units]
        form.severity.data, form.rectification_type.data = issue.severity.value, issue.rectification_type.value
    return form


def _contest_form(issue: Issue) -> forms.ContestForm:
    """The unit's contest: the unit it names is any active one but its own."""
    form = forms.ContestForm()
    form.proposed_unit_id.choices = choices([("", "—")] + [
        (i, label) for i, label in catalogue.unit_choices() if i != current_user.unit_id])
    return form


def _transfer_form(issue: Issue) -> forms.TransferForm:
    """Transfer to the unit the contest named, with a deadline as a new issue would get, unless changed."""
    form = forms.TransferForm()
    form.unit_id.choices = choices(catalogue.unit_choices())
    contest = issue.open_contest
    if request.method == "GET" and contest is not None:
        form.unit_id.data = contest.proposed_unit_id
        form.deadline.data = issues.default_deadline(issue, issues.china_today())
    return form


#: The forms whose choices depend on the issue.
FORM_BUILDERS = {forms.RevisitForm: _revisit_form, forms.SettingsForm: _settings_form,
                 forms.ContestForm: _contest_form, forms.TransferForm: _transfer_form}


def _step(issue_id: int, action, form_class=None) -> ResponseReturnValue:  # type: ignore[no-untyped-def]
    """Run one step of the lifecycle from a form; commit, or show the page again with why not."""
    issue = _load(issue_id)
    builder = FORM_BUILDERS.get(form_class)  # type: ignore[call-overload]
    form = builder(issue) if builder else form_class() if form_class else forms.NoteForm()
    if not form.validate_on_submit():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors) or _("Please try again."), "error")
        return _detail_page(issue, form)
    try:
        action(issue, form)
    except ServiceError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        attach_error(form, exc)  # and beside the field it concerns
        return _detail_page(db.get_or_404(Issue, issue_id), form)
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for("issues.detail", issue_id=issue.id))


# --- The unit's steps ----------------------------------------------------------------------------


@bp.route("/<int:issue_id>/start", methods=["POST"])
@unit_only
def start(issue_id: int) -> ResponseReturnValue:
    return _step(issue_id, lambda issue, _f: issues.start(issue, current_user))


@bp.route("/<int:issue_id>/report", methods=["POST"])
@unit_only
def report(issue_id: int) -> ResponseReturnValue:
    storage = current_app.extensions["ruwo_storage"]
    return _step(issue_id, lambda issue, form: issues.report(
        issue, current_user, form.measures.data, _uploads("evidence"), storage), forms.ReportForm)


def _uploads(field: str) -> list[tuple[str, BinaryIO]]:
    """The files chosen in the form's ``field`` (an empty file input sends one without a name)."""
    return [(f.filename, f.stream) for f in request.files.getlist(field) if f and f.filename]


@bp.route("/<int:issue_id>/explain", methods=["POST"])
@unit_only
def explain(issue_id: int) -> ResponseReturnValue:
    return _step(issue_id, lambda issue, form: issues.explain(issue, current_user, form.explanation.data),
                 forms.ExplainForm)


@bp.route("/<int:issue_id>/extension", methods=["POST"])
@unit_only
def extension(issue_id: int) -> ResponseReturnValue:
    return _step(issue_id, lambda issue, form: issues.request_extension(
        issue, current_user, form.days.data, form.reason.data), forms.ExtensionForm)


@bp.route("/<int:issue_id>/contest", methods=["POST"])
@unit_only
def contest(issue_id: int) -> ResponseReturnValue:
    """Contest the issue (申诉) before starting work: not our duty, or the finding is wrong."""
    storage = current_app.extensions["ruwo_storage"]
    return _step(issue_id, lambda issue, form: issues.contest(
        issue, current_user, ContestKind(form.kind.data), form.reason.data, form.proposed_unit_id.data,
        _uploads("contest-evidence"), storage), forms.ContestForm)


# --- The leaders' steps -----------------------------------------------------------------------------


@bp.route("/<int:issue_id>/contest/transfer", methods=["POST"])
@leader_only
def transfer(issue_id: int) -> ResponseReturnValue:
    """Uphold a contest: the issue goes to another unit with a fresh deadline."""
    return _step(issue_id, lambda issue, form: issues.transfer(
        issue, current_user, form.unit_id.data, form.deadline.data, form.note.data or ""), forms.TransferForm)


@bp.route("/<int:issue_id>/contest/dismiss", methods=["POST"])
@leader_only
def dismiss_finding(issue_id: int) -> ResponseReturnValue:
    """Uphold a contest: the finding is dismissed and the issue closed."""
    return _step(issue_id, lambda issue, form: issues.dismiss_finding(issue, current_user, form.note.data),
                 forms.DismissForm)


@bp.route("/<int:issue_id>/contest/reject", methods=["POST"])
@leader_only
def reject_contest(issue_id: int) -> ResponseReturnValue:
    """Reject a contest: the unit stays responsible and its deadline resumes."""
    return _step(issue_id, lambda issue, form: issues.reject(issue, current_user, form.note.data),
                 forms.RejectForm)


@bp.route("/<int:issue_id>/review", methods=["POST"])
@leader_only
def begin_review(issue_id: int) -> ResponseReturnValue:
    return _step(issue_id, lambda issue, _f: issues.begin_review(issue, current_user))


@bp.route("/<int:issue_id>/send-back", methods=["POST"])
@leader_only
def send_back(issue_id: int) -> ResponseReturnValue:
    return _step(issue_id, lambda issue, form: issues.send_back(issue, current_user, form.note.data or ""))


@bp.route("/<int:issue_id>/close", methods=["POST"])
@leader_only
def close(issue_id: int) -> ResponseReturnValue:
    return _step(issue_id, lambda issue, form: issues.close_with_reason(issue, current_user, form.note.data or ""))


@bp.route("/<int:issue_id>/revisit", methods=["POST"])
@leader_only
def revisit(issue_id: int) -> ResponseReturnValue:
    def send(issue: Issue, form: forms.RevisitForm) -> None:
        chosen = [issue] + [db.get_or_404(Issue, i) for i in form.also_ids.data or []]
        issues.send_revisit(chosen, current_user, form.inspector(), form.due_date.data)

    return _step(issue_id, send, forms.RevisitForm)


@bp.route("/<int:issue_id>/escalate", methods=["POST"])
@leader_only
def escalate(issue_id: int) -> ResponseReturnValue:
    return _step(issue_id, lambda issue, form: issues.escalate(issue, current_user, form.note.data or ""))


@bp.route("/<int:issue_id>/extension/<decision>", methods=["POST"])
@leader_only
def decide_extension(issue_id: int, decision: str) -> ResponseReturnValue:
    if decision not in ("accept", "refuse"):
        abort(404)
    return _step(issue_id, lambda issue, form: issues.decide_extension(
        issue, current_user, decision == "accept", form.note.data or ""))


@bp.route("/<int:issue_id>/settings", methods=["POST"])
@leader_only
def settings(issue_id: int) -> ResponseReturnValue:
    return _step(issue_id, lambda issue, form: issues.update_settings(issue, issues.IssueSettings(
        lead_unit_id=form.lead_unit_id.data, supporting_unit_ids=tuple(form.supporting_unit_ids.data or ()),
        severity=Severity(form.severity.data), rectification_type=RectificationType(form.rectification_type.data),
        deadline=form.deadline.data), current_user), forms.SettingsForm)


@bp.app_context_processor
def issue_labels() -> dict[str, object]:
    """Translated names of categories, severities, states, rectification types and events, and
    the words rendered from findings' and steps' figures (``words.finding_detail(f)``...)."""
    return {"labels": {"category": CATEGORY_LABELS, "severity": SEVERITY_LABELS, "state": STATE_LABELS,
                       "type": TYPE_LABELS, "event": EVENT_LABELS}, "words": wording}


# The documents of the issue area (ledger, notices, a period's circular) register on ``bp`` too.
from app.issues import documents  # noqa: E402, F401
