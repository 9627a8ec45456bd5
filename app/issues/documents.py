"""The issue area's documents: the ledger (a unit's own, or the list's with its filters), the
整改通知 to a unit and the 通报 of a period, as .xlsx, .docx and PDF."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app.downloads import docx_download, pdf_download
from app.exports.views import offer
from app.extensions import db
from app.issues.views import bp, leader_only, unit_only
from app.models import Unit
from app.services import issues, reports
from app.services.errors import ServiceError


@bp.route("/ledger.xlsx")
@unit_only
def unit_ledger() -> ResponseReturnValue:
    """The unit's own rows of the rectification ledger (整改台账)."""
    return offer("issues.unit_ledger", {})


@bp.route("/notice.docx")
@unit_only
def unit_notice() -> Response:
    """The unit's own 整改通知 (.docx draft): its open issues, deadlines and ledger rows."""
    return _notice(current_user.unit)


@bp.route("/all/notice/<int:unit_id>.docx")
@leader_only
def notice(unit_id: int) -> Response:
    """The 整改通知 to any unit, for leaders."""
    return _notice(db.get_or_404(Unit, unit_id))


@bp.route("/notice.pdf")
@unit_only
def unit_notice_pdf() -> Response:
    """The unit's own 整改通知 as PDF."""
    return _notice(current_user.unit, pdf=True)


@bp.route("/all/notice/<int:unit_id>.pdf")
@leader_only
def notice_pdf(unit_id: int) -> Response:
    """The 整改通知 to any unit as PDF, for leaders."""
    return _notice(db.get_or_404(Unit, unit_id), pdf=True)


def _notice(unit: Unit, pdf: bool = False) -> Response:
    today = issues.china_today()
    name = _("Rectification notice") + f"-{unit.name}-{today.isoformat()}"
    if pdf:
        if not reports.pdf_available():
            abort(503, _("PDF is not available on this server (WeasyPrint or pango is missing); "
                         "download the .docx instead."))
        return pdf_download(reports.rectification_notice_pdf(unit, today), f"{name}.pdf")
    return docx_download(reports.rectification_notice(unit, today), f"{name}.docx")


def _period_circular(pdf: bool) -> Response:
    """The 通报 of the issues found between ?from= and ?to=; back to the list saying what is wrong
    with the period otherwise."""
    try:
        span = reports.period(request.args.get("from"), request.args.get("to"))
    except ServiceError as exc:
        flash(str(exc.message), "error")
        typed = {k: request.args.get(k, "")[:10] for k in ("from", "to") if request.args.get(k)}
        return redirect(url_for("issues.listing", **typed))
    today, files = issues.china_today(), current_app.extensions["ruwo_storage"]
    name = _("Circular") + f"-{span.start.isoformat()}-{span.end.isoformat()}"
    if not pdf:
        return docx_download(reports.period_circular(span, today, files), f"{name}.docx")
    if not reports.pdf_available():
        abort(503, _("PDF is not available on this server (WeasyPrint or pango is missing); "
                     "download the .docx instead."))
    return pdf_download(reports.period_circular_pdf(span, today, files), f"{name}.pdf")


@bp.route("/all/circular.docx")
@leader_only
def period_circular() -> Response:
    """The 通报 of a period (.docx draft in 公文 layout): the issues found in it across campaigns."""
    return _period_circular(pdf=False)


@bp.route("/all/circular.pdf")
@leader_only
def period_circular_pdf() -> Response:
    """The 通报 of a period as PDF."""
    return _period_circular(pdf=True)


@bp.route("/all/ledger.xlsx")
@leader_only
def ledger() -> ResponseReturnValue:
    """The rectification ledger (整改台账) of the issue list, with the list's filters."""
    return offer("issues.ledger", request.args.to_dict())


