"""The inspector's phone pages."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from app.auth.access import roles_required
from app.models import Role

bp = Blueprint("visits", __name__, url_prefix="/visits")


@bp.route("/")
@roles_required(Role.INSPECTOR)
def index() -> str:
    """The inspector's home: assignments first, then drafts and submitted visits."""
    return render_template("visits/index.html", home_unit=current_user.unit)
