"""Photo files, served only to those allowed to see them (everyone else gets 404)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, send_file
from flask_login import current_user
from werkzeug.wrappers import Response

from app.auth.access import login_required_any
from app.services import issues, photos

bp = Blueprint("photos", __name__, url_prefix="/photos")


def _send(photo_uuid: str, thumbnail: bool) -> Response:
    photo = photos.visible_photo(photo_uuid, current_user)
    if photo is None:
        abort(404)
    storage = current_app.extensions["ruwo_storage"]
    try:
        path = storage.path(photo.thumbnail_key if thumbnail else photo.storage_key)
    except KeyError:
        abort(404)
    response = send_file(path, mimetype="image/jpeg", download_name="photo.jpg", conditional=False,
                         etag=False, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/<photo_uuid>.jpg")
@login_required_any
def full(photo_uuid: str) -> Response:
    """The stored photo (≤ 2048 px, no metadata)."""
    return _send(photo_uuid, thumbnail=False)


@bp.route("/<photo_uuid>/thumb.jpg")
@login_required_any
def thumb(photo_uuid: str) -> Response:
    """The 320 px thumbnail."""
    return _send(photo_uuid, thumbnail=True)


def _send_evidence(evidence_uuid: str, thumbnail: bool) -> Response:
    evidence = issues.visible_evidence(evidence_uuid, current_user)
    if evidence is None:
        abort(404)
    try:
        path = current_app.extensions["ruwo_storage"].path(evidence.thumbnail_key if thumbnail else evidence.storage_key)
    except KeyError:
        abort(404)
    response = send_file(path, mimetype="image/jpeg", download_name="evidence.jpg", conditional=False,
                         etag=False, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/evidence/<evidence_uuid>.jpg")
@login_required_any
def evidence(evidence_uuid: str) -> Response:
    """A unit's evidence photo (leaders, admins and the issue's units)."""
    return _send_evidence(evidence_uuid, thumbnail=False)


@bp.route("/evidence/<evidence_uuid>/thumb.jpg")
@login_required_any
def evidence_thumb(evidence_uuid: str) -> Response:
    """Its thumbnail."""
    return _send_evidence(evidence_uuid, thumbnail=True)
