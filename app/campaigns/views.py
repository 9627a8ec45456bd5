"""The leaders' campaign pages: plan, draw, start, follow, close, publish; the disclosure."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app.auth.access import deny, roles_required
from app.campaigns.forms import CampaignForm, ReasonForm
from app.downloads import docx_download, pdf_download
from app.exports.views import offer
from app.extensions import db
from app.formtools import choices, form_status, save_form
from app.labels import CAMPAIGN_EVENT_LABELS, CAMPAIGN_STATE_LABELS, DRAW_PROBLEM_LABELS, PROGRESS_LABELS
from app.models import Campaign, CampaignState, PoolKind, Role, window_title
from app.numbering import NumberForm, blank, save
from app.services import calendar, campaigns, catalogue, reports, visits
from app.services.errors import ServiceError

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")
leader_only = roles_required(Role.LEADER)
#: The states in which a campaign has its 通报.
CIRCULAR_STATES = (CampaignState.CLOSED, CampaignState.PUBLISHED)


def _load(campaign_id: int) -> Campaign:
    return db.get_or_404(Campaign, campaign_id)


@bp.route("/")
@leader_only
def index() -> str:
    """Every campaign, newest first."""
    return render_template("campaigns/index.html", campaigns=campaigns.visible_to(current_user))


def _form(campaign: Campaign | None = None) -> CampaignForm:
    form = CampaignForm(obj=campaign)
    form.survey.choices = choices(campaigns.survey_choices())  # type: ignore[arg-type]
    halls = choices(catalogue.hall_choices())
    form.hall_window_ids.choices, form.hall_ids.choices = halls, halls
    form.window_ids.choices = choices(visits.window_choices())
    form.service_item_ids.choices = choices(catalogue.service_item_choices())
    form.inspector_ids.choices = choices(visits.inspector_choices())
    if campaign is not None and not form.is_submitted():
        form.survey.data = f"{campaign.survey_key}:{campaign.survey_version}"
        pool = campaign.pool
        form.hall_window_ids.data = [e.hall_id for e in pool if e.kind is PoolKind.HALL_WINDOWS]
        form.hall_ids.data = [e.hall_id for e in pool if e.kind is PoolKind.HALL]
        form.window_ids.data = [e.window_id for e in pool if e.kind is PoolKind.WINDOW]
        form.service_item_ids.data = [e.service_item_id for e in pool if e.kind is PoolKind.SERVICE_ITEM]
        form.inspector_ids.data = [u.id for u in campaign.inspectors]
    return form


def _data(form: CampaignForm) -> campaigns.CampaignData:
    return campaigns.CampaignData(
        name=form.name.data or "", starts_on=form.starts_on.data, ends_on=form.ends_on.data,  # type: ignore[arg-type]
        survey=form.survey.data or "", targets_wanted=form.targets_wanted.data,
        visits_per_target=form.visits_per_target.data or 1, due_working_days=form.due_working_days.data or 10,
        hall_ids=tuple(form.hall_ids.data or ()), hall_window_ids=tuple(form.hall_window_ids.data or ()),
        window_ids=tuple(form.window_ids.data or ()), service_item_ids=tuple(form.service_item_ids.data or ()),
        inspector_ids=tuple(form.inspector_ids.data or ()))


def _edit(campaign: Campaign | None) -> ResponseReturnValue:
    form = _form(campaign)
    done = save_form(form, lambda: campaigns.save(_data(form), campaign, actor=current_user), _("Saved."),
                     lambda saved: url_for("campaigns.detail", campaign_id=saved.id))
    return done or (render_template("campaigns/form.html", form=form, campaign=campaign), form_status())


@bp.route("/new", methods=["GET", "POST"])
@leader_only
def new() -> ResponseReturnValue:
    """Plan a campaign: period, checklist, pools, how many targets and visits."""
    return _edit(None)


@bp.route("/<int:campaign_id>/edit", methods=["GET", "POST"])
@leader_only
def edit(campaign_id: int) -> ResponseReturnValue:
    campaign = _load(campaign_id)
    if campaign.state is not CampaignState.DRAFT:
        flash(_("A drawn campaign cannot be changed; send it back to planning first."), "error")
        return redirect(url_for("campaigns.detail", campaign_id=campaign.id))
    return _edit(campaign)


@bp.route("/<int:campaign_id>")
@leader_only
def detail(campaign_id: int) -> ResponseReturnValue:
    """A campaign: its plan, its draw, the board, and the steps open in its state."""
    campaign = _load(campaign_id)
    return _detail_page(campaign)


def _detail_page(campaign: Campaign, problems: list[dict[str, object]] | None = None,
                 reason_form: ReasonForm | None = None, number_form: NumberForm | None = None) -> ResponseReturnValue:
    today = calendar.china_today()
    number = reports.numbers.number(reports.numbers.campaign_subject(campaign.id), today) \
        if campaign.state in CIRCULAR_STATES else None
    page = render_template("campaigns/detail.html", campaign=campaign, today=today,
                           board=campaigns.board(campaign, today), problems=_explain(campaign, problems or []),
                           reason_form=reason_form or ReasonForm(), survey_title=campaigns.survey_title(campaign),
                           number=number, number_form=number_form or blank())
    refused = problems or (reason_form and reason_form.errors) or (number_form and number_form.errors)
    return page, (422 if refused else 200)


def _explain(campaign: Campaign, problems: list[dict[str, object]]) -> list[str]:
    """A failed draw's problems in words: which constraint fails for which target or inspector."""
    names = _names(campaign)
    lines = []
    for p in problems:
        kind = str(p["constraint"])
        if kind == "balance" and p.get("inspector"):
            kind = "balance_inspector"
        elif kind == "balance" and p.get("target"):
            kind = "balance_target"
        lines.append(str(DRAW_PROBLEM_LABELS[kind]) % {
            "target": names.get(str(p.get("target")), p.get("target")),
            "inspector": names.get(f"inspector:{p.get('inspector')}", p.get("inspector")),
            "have": p.get("have"), "need": p.get("need")})
    return lines


def _names(campaign: Campaign) -> dict[str, str]:
    """Names for the targets and inspectors a failed draw's problems refer to."""
    names: dict[str, str] = {}
    for entry in campaign.pool:
        if entry.hall is not None:
            names[f"hall:{entry.hall.id}"] = entry.hall.name
            for w in entry.hall.windows:
                names[f"window:{w.id}"] = window_title(entry.hall.name, w.number, w.name)
        if entry.window is not None:
            names[f"window:{entry.window.id}"] = entry.window.title
        if entry.service_item is not None:
            names[f"item:{entry.service_item.id}"] = entry.service_item.name
    for person in campaign.inspectors:
        names[f"inspector:{person.id}"] = person.display_name or person.username
    return names


def _step(campaign_id: int, act: Callable[[Campaign, ReasonForm], object], *, needs_reason: bool = False,
          done: str | None = None) -> ResponseReturnValue:
    """One step of the campaign's life (some need a reason); commit, or say why not."""
    campaign = _load(campaign_id)
    form = ReasonForm()
    if needs_reason and not form.validate_on_submit():
        return _detail_page(campaign, reason_form=form)
    try:
        act(campaign, form)
    except ServiceError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        if isinstance(exc, campaigns.DrawFailed):  # say which constraint fails for which target
            return _detail_page(_load(campaign_id), problems=exc.problems)
        return redirect(url_for("campaigns.detail", campaign_id=campaign_id))
    db.session.commit()
    flash(done or _("Saved."), "success")
    return redirect(url_for("campaigns.detail", campaign_id=campaign_id))


@bp.route("/<int:campaign_id>/draw", methods=["POST"])
@leader_only
def draw(campaign_id: int) -> ResponseReturnValue:
    """Run the draw (again, with a reason, while the campaign has not started)."""
    redraw = _load(campaign_id).state is CampaignState.DRAWN
    return _step(campaign_id, lambda c, f: campaigns.run_draw(c, actor=current_user, reason=f.reason.data or ""),
                 needs_reason=redraw, done=_("Drawn. The assignments stay sealed until the campaign starts."))


@bp.route("/<int:campaign_id>/undraw", methods=["POST"])
@leader_only
def undraw(campaign_id: int) -> ResponseReturnValue:
    """Back to planning before the start (the draw's assignments go), with a reason."""
    return _step(campaign_id, lambda c, f: campaigns.back_to_planning(c, actor=current_user,
                                                                      reason=f.reason.data or ""),
                 needs_reason=True)


@bp.route("/<int:campaign_id>/start", methods=["POST"])
@leader_only
def start(campaign_id: int) -> ResponseReturnValue:
    return _step(campaign_id, lambda c, _f: campaigns.start(c, actor=current_user))


@bp.route("/<int:campaign_id>/close", methods=["POST"])
@leader_only
def close(campaign_id: int) -> ResponseReturnValue:
    return _step(campaign_id, lambda c, _f: campaigns.close(c, actor=current_user))


@bp.route("/<int:campaign_id>/publish", methods=["POST"])
@leader_only
def publish(campaign_id: int) -> ResponseReturnValue:
    return _step(campaign_id, lambda c, _f: campaigns.publish(c, actor=current_user))


@bp.route("/<int:campaign_id>/ledger.xlsx")
@leader_only
def ledger(campaign_id: int) -> ResponseReturnValue:
    """The rectification ledger (整改台账) of the issues the campaign's visits found."""
    return offer("campaigns.ledger", {"campaign": str(_load(campaign_id).id)})


@bp.route("/<int:campaign_id>/circular.docx")
@leader_only
def circular(campaign_id: int) -> Response:
    """The campaign's 通报 (.docx draft in 公文 layout), once it is closed."""
    campaign = _load(campaign_id)
    if campaign.state not in CIRCULAR_STATES:
        deny(404)
    content = reports.circular(campaign, calendar.china_today(), current_app.extensions["ruwo_storage"])
    name = _("Circular")
    return docx_download(content, f"{name}-{campaign.name}.docx")


@bp.route("/<int:campaign_id>/circular.pdf")
@leader_only
def circular_pdf(campaign_id: int) -> Response:
    """The campaign's 通报 as PDF, once it is closed."""
    campaign = _load(campaign_id)
    if campaign.state not in CIRCULAR_STATES:
        deny(404)
    if not reports.pdf_available():
        abort(503, _("PDF is not available on this server (WeasyPrint or pango is missing); "
                     "download the .docx instead."))
    content = reports.circular_pdf(campaign, calendar.china_today(), current_app.extensions["ruwo_storage"])
    return pdf_download(content, _("Circular") + f"-{campaign.name}.pdf")


@bp.route("/<int:campaign_id>/number", methods=["POST"])
@leader_only
def record_number(campaign_id: int) -> ResponseReturnValue:
    """Record the 发文字号 the office's register gave the campaign's 通报."""
    campaign = _load(campaign_id)
    if campaign.state not in CIRCULAR_STATES:
        deny(404)
    form = NumberForm()
    done = save(form, lambda: reports.numbers.campaign_subject(campaign.id),
                url_for("campaigns.detail", campaign_id=campaign.id))
    return done or _detail_page(campaign, number_form=form)


@bp.route("/<int:campaign_id>/check")
@leader_only
def check(campaign_id: int) -> str:
    """Re-run every draw of the campaign from its stored seed and inputs and compare."""
    campaign = _load(campaign_id)
    results = [(record, campaigns.check_draw(record)) for record in campaign.draws]
    return render_template("campaigns/check.html", campaign=campaign, results=results)


@bp.route("/<int:campaign_id>/disclosure")
@roles_required(Role.LEADER, Role.UNIT)
def disclosure(campaign_id: int) -> Response | str:
    """一公开: targets drawn, visits done and findings per unit — never who visited. Units see it
    once it is published; leaders from the close, to decide."""
    campaign = _load(campaign_id)
    visible = (CampaignState.PUBLISHED,) if current_user.role is Role.UNIT else (
        CampaignState.CLOSED, CampaignState.PUBLISHED)
    if campaign.state not in visible:
        deny(404)
    return render_template("campaigns/disclosure.html", shown=campaigns.disclosure(campaign))


@bp.route("/published")
@roles_required(Role.UNIT)
def published() -> str:
    """The disclosures published to units."""
    return render_template("campaigns/published.html", campaigns=campaigns.visible_to(current_user))


@bp.context_processor
def labels() -> dict[str, object]:
    return {"labels": {"state": CAMPAIGN_STATE_LABELS, "event": CAMPAIGN_EVENT_LABELS, "progress": PROGRESS_LABELS}}
