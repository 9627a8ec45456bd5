"""The front door: role home redirect, health check, language switch, the service worker."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, request, send_from_directory, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app.auth.access import login_required_any, public
from app.auth.session import local_path
from app.extensions import db
from app.i18n import supported
from app.models import Role
from app.services import accounts, health

bp = Blueprint("main", __name__)

#: Where each role lands after logging in.
HOME_ENDPOINTS = {
    Role.ADMIN: "admin.index",
    Role.LEADER: "dashboard.index",
    Role.INSPECTOR: "visits.index",
    Role.UNIT: "issues.index",
}
LANG_COOKIE_SECONDS = 365 * 24 * 3600


@bp.route("/")
@login_required_any
def index() -> Response:
    """Send each role to its own home page."""
    return redirect(url_for(HOME_ENDPOINTS[current_user.role]))


@bp.route("/healthz")
@public
def healthz() -> tuple[Response, int]:
    """200 {"status": "ok"} when the database answers, 503 otherwise (for load balancers)."""
    if health.database_ok():
        return jsonify(status="ok"), 200
    return jsonify(status="unavailable"), 503


@bp.route("/sw.js")
@public
def service_worker() -> Response:
    """The offline app shell's worker, served from the root so that its scope covers the app.

    Never kept by the HTTP cache, so that a new version is picked up at the next page load."""
    response = send_from_directory(current_app.static_folder or "static", "js/sw.js",
                                   mimetype="text/javascript", conditional=False, etag=False)
    response.headers["Service-Worker-Allowed"] = "/"
    response.headers["Cache-Control"] = "no-store"
    for validator in ("Last-Modified", "Content-Disposition"):
        response.headers.pop(validator, None)
    return response


@bp.route("/language", methods=["POST"])
@public
def set_language() -> Response:
    """Switch between Chinese and English; saved on the user, and in a cookie before login."""
    lang = request.form.get("lang", "")
    target = local_path(request.form.get("next")) or url_for("main.index")
    response = redirect(target)
    if not supported(lang):
        return response
    if current_user.is_authenticated:
        accounts.set_locale(current_user, lang)
        db.session.commit()
    response.set_cookie(
        current_app.config["LANG_COOKIE"], lang, max_age=LANG_COOKIE_SECONDS,
        secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True, samesite="Lax",
    )
    return response
