"""The inspector's phone: home, starting a visit, the discreet timer, the checklist, the API.

The pages hand the draft to static/js/visit.js, which keeps it on the phone first and
autosaves it through the JSON API below; submit goes through the same API.
"""

from __future__ import annotations

import hashlib
import re

from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from werkzeug.wrappers import Response

from app import faults
from app.args import int_arg
from app.auth.access import roles_required
from app.database import reads_first
from app.extensions import cache, db
from app.inputs import json_body
from app.labels import VERDICT_CHOICES
from app.models import MARKS, Hall, Photo, Role, ServiceItem, Visit, Window
from app.services import catalogue, checklists, geo, visits
from app.services.errors import ServiceError
from app.visits.offline import offline_urls

bp = Blueprint("visits", __name__, url_prefix="/visits")
inspector_only = roles_required(Role.INSPECTOR)


@bp.route("/")
@inspector_only
def index() -> str:
    """The inspector's home: assignments first, then drafts and submitted visits."""
    drafts = visits.drafts(current_user)
    return render_template(
        "visits/index.html", home_unit=current_user.unit,
        assignments=visits.assignment_cards(current_user), drafts=drafts,
        submitted=visits.submitted(current_user),
        kept=[_kept_draft(v, state) for v, state in zip(drafts, visits.draft_states(drafts), strict=True)])


def _kept_draft(visit: Visit, state: dict[str, object]) -> dict[str, object]:
    """A server draft as the phone keeps it, to open it offline (also one begun on another
    phone): the draft, its photos and why it was returned."""
    return {**state, "photos": [_photo_json(p) for p in visit.photos],
            "return_comment": visit.return_comment or "",
            "title": visit.window.title}


@bp.route("/start")
@inspector_only
def start() -> str:
    """Choose hall, then window, then service item; the phone then makes the visit's UUID."""
    window = db.session.get(Window, int_arg("window_id") or 0)
    if window is not None and window.active:
        return render_template("visits/start.html", step="item", window=window, hall=window.hall)
    hall = db.session.get(Hall, int_arg("hall_id") or 0)
    if hall is not None and hall.active:
        windows = [w for w in hall.windows if w.active]
        return render_template("visits/start.html", step="window", hall=hall, windows=windows)
    lat, lon = request.args.get("lat", type=float), request.args.get("lon", type=float)
    if lat is not None and lon is not None and -90 <= lat <= 90 and -180 <= lon <= 180:
        ranked = catalogue.halls_by_distance(geo.Position(lat, lon))
    else:
        ranked = [(hall, None) for hall in catalogue.active_halls()]
    return render_template("visits/start.html", step="hall", halls=ranked, located=lat is not None)


def _photo_json(photo: Photo) -> dict[str, object]:
    return {"uuid": photo.uuid, "question_key": photo.question_key,
            "thumb": url_for("photos.thumb", photo_uuid=photo.uuid)}


_INDENT = re.compile(r"\s*\n\s*|(?<=>)\s{2,}(?=<)")


def questions_html(template: checklists.Template, item_id: int | None) -> Markup:
    """The checklist's questions as HTML. They depend only on the template version (immutable
    once stored), the matter's guide materials and the locale, so each combination is rendered
    once and kept in the cache."""
    materials = catalogue.guide_rows(item_id) if item_id is not None else ()
    key = "questions:" + hashlib.sha256(repr((template.key, template.version, item_id,
                                              materials, str(get_locale()))).encode()).hexdigest()
    html = cache.get(key)
    if html is None:
        item = db.session.get(ServiceItem, item_id) if item_id is not None else None
        html = render_template("visits/_sections.html", template=template, item=item, marks=MARKS)
        # The templates' indentation is a kilobyte of the phone's page: one newline is the same
        # whitespace to the browser (the questions hold no <pre> and no text in a <textarea>).
        html = _INDENT.sub("\n", html)
        cache.set(key, html, timeout=3600)
    return Markup(html)


def _visit_page(visit_uuid: str, template_name: str) -> str | Response:
    """Load the server's copy (if any) and what the page needs to show the visit."""
    visit = visits.find(visit_uuid, current_user)
    if visit is not None and not visit.editable:
        return redirect(url_for("visits.view", visit_uuid=visit.uuid))
    if visit is not None:
        where: catalogue.Place | None = catalogue.place(visit.window_id, visit.service_item_id or 0)
        assignment = visit.assignment
        template = checklists.stored_template(visit.survey_version)
        state = visits.draft_state(visit)
    else:
        where = catalogue.place(int_arg("window_id") or 0, int_arg("item_id") or 0)
        assignment = visits.own_assignment(current_user, int_arg("assignment_id"))
        if where is None and visit_uuid == visits.SHELL_UUID:  # the page a phone keeps for offline
            where = catalogue.place_of(assignment.window, assignment.service_item) if assignment else None
        elif where is None:
            abort(404)
        template = visits.template_for(assignment)
        state = None
    page = {
        "uuid": visit_uuid.lower(), "window_id": where.window_id if where else None,
        "service_item_id": where.item_id if where else None, "shell": where is None, "user": current_user.username,
        "assignment_id": (visit.assignment_id if visit else int_arg("assignment_id")),
        "server": state,
        "return_comment": visit.return_comment if visit else "",
        "urls": {
            "save": url_for("visits.api_save", visit_uuid=visit_uuid),
            "submit": url_for("visits.api_submit", visit_uuid=visit_uuid),
            "session": url_for("visits.api_session"),
            "login": url_for("auth.login", next=request.full_path.rstrip("?")),
            "view": url_for("visits.view", visit_uuid=visit_uuid),
            "home": url_for("visits.index"),
            "photos": url_for("visits.api_add_photo", visit_uuid=visit_uuid),
            "photo": url_for("visits.api_remove_photo", visit_uuid=visit_uuid, photo_uuid="PHOTO"),
            "kit": url_for("visits.api_offline"),
        },
        "photos": [_photo_json(p) for p in (visit.photos if visit else [])],
        "max_photos": visits.MAX_PHOTOS_PER_VISIT,
    }
    return render_template(template_name, visit=visit, where=where, template=template, page=page,
                           questions_html=questions_html, marks=MARKS, checks=visits.revisit_checks(assignment),
                           verdicts=VERDICT_CHOICES)


@bp.route("/v/<visit_uuid>")
@inspector_only
def timer(visit_uuid: str) -> str | Response:
    """The discreet screen used inside the hall: one tap per step, stamped with the phone's clock."""
    return _visit_page(visit_uuid, "visits/timer.html")


@bp.route("/v/<visit_uuid>/checklist")
@inspector_only
def checklist(visit_uuid: str) -> str | Response:
    """The checklist, filled in after leaving the hall."""
    return _visit_page(visit_uuid, "visits/checklist.html")


@bp.route("/v/<visit_uuid>/view")
@inspector_only
def view(visit_uuid: str) -> str:
    """A submitted visit, read-only."""
    visit = visits.find(visit_uuid, current_user)
    if visit is None:
        abort(404)
    template = checklists.stored_template(visit.survey_version)
    answers = visit.answers_dict()
    return render_template("visits/view.html", visit=visit, template=template, answers=answers,
                           shown={q.key for q in checklists.visible(template, answers)},
                           marks=visits.position_marks(visit))


@bp.route("/v/<visit_uuid>/discard", methods=["POST"])
@inspector_only
def discard(visit_uuid: str) -> Response:
    """Throw away a draft that was never submitted (the phone forgets it too)."""
    try:
        keys = visits.discard(current_user, visit_uuid)
    except ServiceError:
        abort(409)
    db.session.commit()
    storage = current_app.extensions["ruwo_storage"]
    for key in keys or []:
        storage.delete(key)
    return redirect(url_for("visits.index", discarded=visit_uuid))


# --- JSON API for the phone -------------------------------------------------------------------------


@bp.route("/api/session")
@inspector_only
def api_session() -> Response:
    """A fresh CSRF token for replaying what the phone kept (after logging in again)."""
    return jsonify(csrf_token=generate_csrf(), user=current_user.username)


@bp.route("/api/offline")
@inspector_only
def api_offline() -> Response:
    """What the phone keeps to work without a connection: pages to cache and the catalogue."""
    kit = visits.offline_kit(catalogue.active_halls(), visits.open_assignments(current_user))
    return jsonify(version=kit.version, urls=offline_urls(kit), catalogue=kit.catalogue)


@bp.route("/api/visits/<visit_uuid>", methods=["PUT"])
@inspector_only
def api_save(visit_uuid: str) -> tuple[Response, int]:
    """Autosave: create or update the draft from the phone's copy (refusals: app/main/errors.py)."""
    visit = visits.save_draft(current_user, visits.parse_payload(visit_uuid, json_body()))
    answer = jsonify(uuid=visit.uuid, state=str(visit.state), updated_at=visit.updated_at.isoformat())
    db.session.commit()  # after reading the answer: a read after the commit would reload the row
    return answer, 200


@bp.route("/api/visits/<visit_uuid>/submit", methods=["POST"])
@inspector_only
def api_submit(visit_uuid: str) -> tuple[Response, int]:
    """Submit; the same submit again answers 200 with the same visit, another one 409."""
    visit, repeated = visits.submit(current_user, visits.parse_payload(visit_uuid, json_body()))
    uuid = visit.uuid
    answer = jsonify(uuid=uuid, id=visit.id, state=str(visit.state), repeated=repeated,
                     view=url_for("visits.view", visit_uuid=uuid))
    db.session.commit()  # after reading the answer: a read after the commit would reload the row
    if not repeated:
        faults.after_commit("visit.submit", uuid)  # test only; off by default (config.py)
    return answer, 200


@bp.route("/api/visits/<visit_uuid>/photos", methods=["POST"])
@reads_first  # checks, then works on the photo with no transaction, then writes (store_photo)
@inspector_only
def api_add_photo(visit_uuid: str) -> tuple[Response, int]:
    """Upload one photo (multipart: file, photo_uuid, question_key, taken_at in ms)."""
    upload = request.files.get("file")
    if upload is None:
        raise ServiceError(_("Choose a photo."), field="file")
    fields = visits.parse_upload(request.form.get("photo_uuid", ""), request.form.get("question_key"),
                                 request.form.get("taken_at"))
    photo = visits.store_photo(current_user, visit_uuid, fields, upload.stream,
                               current_app.extensions["ruwo_storage"])
    return jsonify(uuid=photo.uuid, question_key=photo.question_key, width=photo.width,
                   height=photo.height, thumb=url_for("photos.thumb", photo_uuid=photo.uuid),
                   url=url_for("photos.full", photo_uuid=photo.uuid)), (200 if photo.repeated else 201)


@bp.route("/api/visits/<visit_uuid>/photos/<photo_uuid>", methods=["DELETE"])
@inspector_only
def api_remove_photo(visit_uuid: str, photo_uuid: str) -> tuple[Response, int]:
    """Remove a photo from a draft (the files go after the row)."""
    keys = visits.remove_photo(current_user, visit_uuid, photo_uuid)
    db.session.commit()
    storage = current_app.extensions["ruwo_storage"]
    for key in keys:
        storage.delete(key)
    return jsonify(removed=photo_uuid), 200
