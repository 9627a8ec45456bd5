"""The leaders' dashboard."""

from __future__ import annotations

from flask import Blueprint, render_template

from app.auth.access import roles_required
from app.models import Role
from app.services import catalogue

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


@bp.route("/")
@roles_required(Role.LEADER)
def index() -> str:
    """The leader's home: what waits for review, and the halls under watch."""
    return render_template(
        "dashboard/index.html", counts=catalogue.counts(), halls=catalogue.active_halls()
    )
