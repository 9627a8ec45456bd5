"""Administration (the catalogue and account pages grow here)."""

from __future__ import annotations

from flask import Blueprint, render_template

from app.auth.access import roles_required
from app.models import Role
from app.models.base import utcnow
from app.services import catalogue

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/")
@roles_required(Role.ADMIN)
def index() -> str:
    """The administrator's home: how much is set up, and locked accounts."""
    return render_template(
        "admin/index.html",
        counts=catalogue.counts(),
        units=catalogue.active_units(),
        locked=catalogue.locked_users(utcnow()),
    )
