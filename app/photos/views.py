"""Photo files, served only to those allowed to see them (everyone else gets 404)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app
from flask_login import current_user
from werkzeug.wrappers import Response

from app.auth.access import login_required_any
from app.downloads import stored_download
from app.models import Evidence, Photo
from app.services import issues, visits

bp = Blueprint("photos", __name__, url_prefix="/photos")


def _send(stored: Photo | Evidence | None, thumbnail: bool) -> Response:
    """A stored JPEG, streamed from the store, never cached, never sniffed; 404 when the viewer
    may not see it."""
    if stored is None:
        abort(404)
    try:
        response = stored_download(current_app.extensions["ruwo_storage"],
                                   stored.thumbnail_key if thumbnail else stored.storage_key, "image/jpeg",
                                   "photo.jpg", conditional=False, etag=False)
    except KeyError:
        abort(404)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/<photo_uuid>.jpg")
@login_required_any
def full(photo_uuid: str) -> Response:
    """A visit photo (≤ 2048 px, no metadata): its inspector, leaders and admins."""
    return _send(visits.visible_photo(photo_uuid, current_user), thumbnail=False)


@bp.route("/<photo_uuid>/thumb.jpg")
@login_required_any
def thumb(photo_uuid: str) -> Response:
    """Its 320 px thumbnail."""
    return _send(visits.visible_photo(photo_uuid, current_user), thumbnail=True)


@bp.route("/evidence/<evidence_uuid>.jpg")
@login_required_any
def evidence(evidence_uuid: str) -> Response:
    """A unit's evidence photo: leaders, admins and the issue's own units."""
    return _send(issues.visible_evidence(evidence_uuid, current_user), thumbnail=False)


@bp.route("/evidence/<evidence_uuid>/thumb.jpg")
@login_required_any
def evidence_thumb(evidence_uuid: str) -> Response:
    """Its thumbnail."""
    return _send(issues.visible_evidence(evidence_uuid, current_user), thumbnail=True)
