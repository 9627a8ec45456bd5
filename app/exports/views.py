"""Exports: a small one is sent at once; a large one is offered as a background job, whose page
shows its progress and then the download (``offer`` is what the download routes call)."""

from __future__ import annotations

import json
from collections.abc import Mapping

from flask import Blueprint, abort, current_app, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import DataRequired, Length

from app import jobs as queue
from app.auth.access import login_required_any
from app.downloads import chunks_download, stored_download
from app.exports import kinds
from app.extensions import db
from app.models import Job, JobState
from app.services import jobs
from app.services.errors import ServiceError

bp = Blueprint("exports", __name__, url_prefix="/exports")
#: The most characters of parameters an export is asked for with (a list's filters).
PARAMS_MAX = 2000


class StartForm(FlaskForm):
    kind = HiddenField(validators=[DataRequired(), Length(max=40)])
    params = HiddenField(validators=[Length(max=PARAMS_MAX)])


def _limit(kind_name: str) -> int:
    return int(current_app.config["EXPORT_INLINE_LIMITS"].get(kind_name, kinds.INLINE_LIMITS[kind_name]))


def offer(kind_name: str, params: Mapping[str, str]) -> ResponseReturnValue:
    """The export of ``kind_name`` at once if it is small, else a page offering to make it in
    the background. The caller has checked the role; the kind checks its parameters."""
    try:
        size = kinds.SIZES[kind_name](params, current_user)
        if size <= _limit(kind_name):
            output = jobs.kind(kind_name).produce(params, current_user, lambda _done, _total: None)
            return chunks_download(output.chunks, output.filename, output.mimetype)
    except ServiceError as refused:
        abort(refused.status, str(refused.message))
    form = StartForm(kind=kind_name, params=json.dumps(dict(params), ensure_ascii=False))
    return render_template("exports/offer.html", form=form, size=size)


@bp.route("/", methods=["POST"])
@login_required_any
def start() -> ResponseReturnValue:
    """Queue the export the offer page asked for and show its page."""
    form = StartForm()
    if not form.validate():
        abort(400, _("The export could not be understood. Go back and ask for it again."))
    try:
        params = json.loads(form.params.data or "{}")
    except ValueError:
        params = None
    if not isinstance(params, dict) or not all(isinstance(v, str) for v in params.values()):
        abort(400, _("The export could not be understood. Go back and ask for it again."))
    try:
        kinds.SIZES[form.kind.data](params, current_user) if form.kind.data in kinds.SIZES else None
        job = jobs.create(form.kind.data, params, current_user, str(get_locale() or "zh_Hans"))
    except ServiceError as refused:
        db.session.rollback()
        abort(refused.status, str(refused.message))
    job_id = job.id
    db.session.commit()  # the worker must find the row (and SQLite's write lock free)
    queue.enqueue(job_id)
    return redirect(url_for("exports.detail", job_id=job_id), 303)


def _mine(job_id: str) -> Job:
    try:
        return jobs.mine(job_id, current_user)
    except ServiceError:
        abort(404)


@bp.route("/")
@login_required_any
def index() -> str:
    """The user's latest exports."""
    return render_template("exports/index.html", jobs=jobs.recent(current_user))


@bp.route("/<job_id>")
@login_required_any
def detail(job_id: str) -> str:
    """One export: its progress (the page refreshes itself) or its download."""
    job = _mine(job_id)
    return render_template("exports/detail.html", job=job, waiting=job.state in (JobState.QUEUED, JobState.RUNNING))


@bp.route("/<job_id>.json")
@login_required_any
def status(job_id: str) -> dict:
    """The same for scripts: state, progress and the download's address when done."""
    job = _mine(job_id)
    return {"state": job.state.value, "done": job.done, "total": job.total, "percent": job.percent,
            "error": job.error, "download": url_for("exports.download", job_id=job.id)
            if job.state == JobState.DONE else None}


@bp.route("/<job_id>/download")
@login_required_any
def download(job_id: str) -> ResponseReturnValue:
    """The file, from storage (any app server can send it); 410 once it has expired."""
    job = _mine(job_id)
    if job.state == JobState.EXPIRED or (job.state == JobState.DONE and not job.file_key):
        return render_template("exports/detail.html", job=job, waiting=False), 410
    if job.state != JobState.DONE or job.file_key is None:
        abort(404)
    try:
        response = stored_download(queue.exports_storage(current_app), job.file_key, job.mimetype, job.filename,
                                   as_attachment=True)
    except KeyError:
        return render_template("exports/detail.html", job=job, waiting=False), 410
    response.headers["Cache-Control"] = "no-store"
    return response
