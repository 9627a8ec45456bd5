"""The service catalogue, read by administrators and leaders (changes are in admin)."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user
from sqlalchemy.orm import selectinload

from app.args import paginate
from app.auth.access import roles_required
from app.extensions import db
from app.models import Hall, Role, ServiceItem, Unit, Window
from app.services import catalogue

bp = Blueprint("catalogue", __name__, url_prefix="/catalogue")
READERS = (Role.ADMIN, Role.LEADER)
PER_PAGE = 50


def _listing(model: type, *columns):  # type: ignore[no-untyped-def]
    """Search (q), inactive rows (all=1) and the page of ``model`` rows."""
    query = request.args.get("q", "").strip()
    include_inactive = request.args.get("all") == "1"
    stmt = catalogue.search(model, query, include_inactive, *columns)
    return query, include_inactive, stmt


def _context(**values: object) -> dict[str, object]:
    return {"can_edit": current_user.role == Role.ADMIN, **values}


@bp.route("/units/")
@roles_required(*READERS)
def units() -> str:
    """Responsible units."""
    query, include_inactive, stmt = _listing(Unit, Unit.code, Unit.name)
    page = paginate(stmt.order_by(Unit.code), per_page=PER_PAGE)
    return render_template("catalogue/units.html", **_context(
        page=page, q=query, include_inactive=include_inactive))


@bp.route("/halls/")
@roles_required(*READERS)
def halls() -> str:
    """Halls, township centres and bank outlets."""
    query, include_inactive, stmt = _listing(Hall, Hall.name, Hall.address)
    page = paginate(stmt.options(selectinload(Hall.windows)).order_by(Hall.name), per_page=PER_PAGE)
    return render_template("catalogue/halls.html", **_context(
        page=page, q=query, include_inactive=include_inactive))


@bp.route("/halls/<int:hall_id>")
@roles_required(*READERS)
def hall(hall_id: int) -> str:
    """A hall, its position and its windows."""
    hall = db.get_or_404(Hall, hall_id, options=[
        selectinload(Hall.windows).selectinload(Window.service_items),
        selectinload(Hall.windows).selectinload(Window.unit)])
    return render_template("catalogue/hall.html", **_context(
        hall=hall, positions=catalogue.map_positions(hall)))


@bp.route("/items/")
@roles_required(*READERS)
def items() -> str:
    """Service items with their guides."""
    query, include_inactive, stmt = _listing(ServiceItem, ServiceItem.code, ServiceItem.name)
    page = paginate(stmt.options(selectinload(ServiceItem.unit)).order_by(ServiceItem.code), per_page=PER_PAGE)
    return render_template("catalogue/items.html", **_context(
        page=page, q=query, include_inactive=include_inactive))


@bp.route("/items/<int:item_id>")
@roles_required(*READERS)
def item(item_id: int) -> str:
    """A service item's official guide."""
    item = db.get_or_404(ServiceItem, item_id, options=[
        selectinload(ServiceItem.materials), selectinload(ServiceItem.scenarios),
        selectinload(ServiceItem.fees), selectinload(ServiceItem.windows).selectinload(Window.hall)])
    return render_template("catalogue/item.html", **_context(item=item))
