"""Photo files, served only to those allowed to see them (everyone else gets 404)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, send_file
from flask_login import current_user
from werkzeug.wrappers import Response

from app.auth.access import login_required_any
from app.services import photos

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
