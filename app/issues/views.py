"""Issues (问题) and their rectification; a unit sees only its own."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from app.auth.access import roles_required
from app.models import Role

bp = Blueprint("issues", __name__, url_prefix="/issues")


@bp.route("/")
@roles_required(Role.UNIT)
def index() -> str:
    """A unit's home: its open issues and deadlines."""
    return render_template("issues/index.html", unit=current_user.unit)
