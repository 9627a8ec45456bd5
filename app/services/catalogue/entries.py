"""Units, halls and windows of the service catalogue: read by everyone, changed by admins."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from app.extensions import db
from app.models import Hall, HallKind, RequiredMaterial, ServiceItem, Unit, User, Window, window_title
from app.services import audit, geo
from app.services.errors import ServiceError
from app.services.geo import CoordinateSystem


@dataclass(frozen=True)
class CatalogueCounts:
    """How much of the county is set up."""

    units: int
    halls: int
    windows: int
    service_items: int
    users: int


def counts() -> CatalogueCounts:
    """Active rows of each part of the catalogue, and active users."""

    def active(model: Any) -> int:
        return db.session.scalar(
            sa.select(sa.func.count()).select_from(model).where(model.active.is_(True))
        ) or 0

    return CatalogueCounts(
        units=active(Unit), halls=active(Hall), windows=active(Window),
        service_items=active(ServiceItem), users=active(User),
    )


#: Service centres first, then township centres, bank outlets and other places.
_HALL_KIND_ORDER = sa.case(
    {kind.value: index for index, kind in enumerate(HallKind)}, value=Hall.kind, else_=len(HallKind)
)


def active_halls() -> list[Hall]:
    """Active halls with their windows, units and items loaded (no N+1 in templates)."""
    return list(
        db.session.scalars(
            sa.select(Hall)
            .where(Hall.active.is_(True))
            .options(
                selectinload(Hall.windows).selectinload(Window.unit),
                selectinload(Hall.windows).selectinload(Window.service_items),
            )
            .order_by(_HALL_KIND_ORDER, Hall.name)
        )
    )


@dataclass(frozen=True)
class WindowOption:
    """A window in a filter's list."""

    id: int
    number: str
    name: str


@dataclass(frozen=True)
class HallOption:
    """A hall and its active windows in a filter's list."""

    id: int
    name: str
    windows: tuple[WindowOption, ...]


_HALL_OPTIONS = (
    sa.select(Hall.id, Hall.name, Window.id, Window.number, Window.name)
    .outerjoin(Window, sa.and_(Window.hall_id == Hall.id, Window.active.is_(True)))
    .where(Hall.active.is_(True))
    .order_by(_HALL_KIND_ORDER, Hall.name, Hall.id, Window.number)
)


def hall_options() -> list[HallOption]:
    """Active halls with their active windows, for the hall and window filters of the lists: one
    plain query (the lists are opened often, and ``active_halls`` also loads every window's unit
    and service items)."""
    rows = db.session.execute(_HALL_OPTIONS)
    halls: dict[int, tuple[str, list[WindowOption]]] = {}
    for hall_id, hall_name, window_id, number, window_name in rows:
        windows = halls.setdefault(hall_id, (hall_name, []))[1]
        if window_id is not None:
            windows.append(WindowOption(window_id, number, window_name))
    return [HallOption(hall_id, name, tuple(windows)) for hall_id, (name, windows) in halls.items()]


def window(window_id: int) -> Window | None:
    """The window with its hall (pages name both), in one query."""
    return db.session.get(Window, window_id, options=(joinedload(Window.hall),))


class Place(NamedTuple):
    """Where a visit happens, as its pages name it (``place``, ``place_of``)."""

    window_id: int
    window_number: str
    window_name: str
    hall_name: str
    item_id: int | None
    item_name: str | None

    @property
    def title(self) -> str:
        """The window's title (``Window.title``)."""
        return window_title(self.hall_name, self.window_number, self.window_name)


#: A new visit's place in plain values: the pages show four names (loading the window, hall and
#: matter as objects cost twice as much).
_PLACE = (
    sa.select(Window.id, Window.number, Window.name, Hall.name, ServiceItem.id, ServiceItem.name)
    .join(Window.hall).outerjoin(ServiceItem, ServiceItem.id == sa.bindparam("item_id"))
    .where(Window.id == sa.bindparam("window_id"))
)


def place(window_id: int, item_id: int) -> Place | None:
    """The window, its hall and the service item a new visit names, in one query (a visit
    page's); the item's fields are None without such an item. None without the window."""
    found = db.session.execute(_PLACE, {"window_id": window_id, "item_id": item_id}).first()
    return Place(*found) if found is not None else None


def place_of(window: Window, item: ServiceItem | None) -> Place:
    """``place`` of loaded objects."""
    return Place(window.id, window.number, window.name, window.hall.name,
                 item.id if item else None, item.name if item else None)


_GUIDE = (
    sa.select(RequiredMaterial.id, RequiredMaterial.position, RequiredMaterial.name, RequiredMaterial.condition,
              RequiredMaterial.abolished, RequiredMaterial.obtainable_by_sharing)
    .where(RequiredMaterial.service_item_id == sa.bindparam("item_id"))
    .order_by(RequiredMaterial.position, RequiredMaterial.id)
)


def guide_rows(item_id: int) -> tuple[tuple[Any, ...], ...]:
    """A matter's guide materials as plain rows, everything a checklist shows of them: what its
    kept questions are looked up by (loading them as objects cost a page more than its
    rendering)."""
    connection = db.session.connection(bind_arguments={"mapper": RequiredMaterial})
    return tuple(tuple(row) for row in connection.execute(_GUIDE, {"item_id": item_id}))


_ACTIVE_UNITS = sa.select(Unit).where(Unit.active.is_(True)).order_by(Unit.code)


def active_units() -> list[Unit]:
    """Active units by code."""
    return list(db.session.scalars(_ACTIVE_UNITS))


def locked_users(now: datetime) -> list[User]:
    """Users whose account is locked at ``now``."""
    return list(
        db.session.scalars(
            sa.select(User).where(User.locked_until.is_not(None), User.locked_until > now)
            .order_by(User.username)
        )
    )


# --- Changes by administrators -------------------------------------------------------------

CODE_RE = re.compile(r"^[a-z][a-z0-9-]{1,31}$")


@dataclass(frozen=True)
class UnitData:
    """A unit as an administrator enters it."""

    code: str
    name: str
    #: The unit's WeCom group-robot webhook (https), or empty: no WeCom messages.
    wecom_webhook: str = ""


@dataclass(frozen=True)
class HallData:
    """A hall as an administrator enters it; the position may be in any map's system."""

    name: str
    kind: HallKind
    address: str = ""
    position: str = ""
    coordinate_system: CoordinateSystem = CoordinateSystem.WGS84
    radius_m: int = 300
    wait_medium_min: int = 30
    wait_high_min: int = 60


@dataclass(frozen=True)
class WindowData:
    """A window as an administrator enters it."""

    hall_id: int
    unit_id: int
    number: str
    name: str
    comprehensive: bool = False
    service_item_ids: tuple[int, ...] = ()


def _audit_change(actor: User | None, action: str, obj: object, detail: str = "") -> None:
    audit.record(action, actor=actor, object_type=type(obj).__name__.lower(),
                 object_id=getattr(obj, "id", ""), detail=detail)


def _taken(model: Any, column: Any, value: object, current: Any | None) -> bool:
    query = sa.select(model.id).where(column == value)
    if current is not None:
        query = query.where(model.id != current.id)
    return db.session.scalar(query) is not None


def save_unit(data: UnitData, unit: Unit | None = None, *, actor: User | None = None) -> Unit:
    """Create or update a unit; its code is short, lower-case and unique."""
    code = data.code.strip().lower()
    if not CODE_RE.match(code):
        raise ServiceError(_l("Codes are 2-32 characters: lower-case letters, digits and '-', "
                              "starting with a letter."), field="code")
    if _taken(Unit, Unit.code, code, unit):
        raise ServiceError(_l("Another unit has the code %(code)s.", code=code), field="code")
    name = data.name.strip()
    if not name:
        raise ServiceError(_l("Enter a name."), field="name")
    webhook = data.wecom_webhook.strip()
    if webhook and (not webhook.startswith("https://") or len(webhook) > 300 or any(c.isspace() for c in webhook)):
        raise ServiceError(_l("The WeCom robot's address starts with https:// (copy it from the group's robot)."),
                           field="wecom_webhook")
    created = unit is None
    unit = unit or Unit()
    unit.code, unit.name, unit.wecom_webhook = code, name, webhook or None
    db.session.add(unit)
    db.session.flush()
    _audit_change(actor, "unit.create" if created else "unit.update", unit, code)
    return unit


def save_hall(data: HallData, hall: Hall | None = None, *, actor: User | None = None) -> Hall:
    """Create or update a hall; a typed position is converted to WGS-84 before it is stored."""
    name = data.name.strip()
    if not name:
        raise ServiceError(_l("Enter a name."), field="name")
    if _taken(Hall, Hall.name, name, hall):
        raise ServiceError(_l("Another hall is called %(name)s.", name=name), field="name")
    if not 10 <= data.radius_m <= 5000:
        raise ServiceError(_l("The radius must be between 10 and 5000 metres."), field="radius_m")
    if data.wait_medium_min < 1:
        raise ServiceError(_l("Wait thresholds are at least 1 minute."), field="wait_medium_min")
    if data.wait_high_min < data.wait_medium_min:
        raise ServiceError(_l("The high threshold cannot be below the medium one."),
                           field="wait_high_min")
    position = None
    if data.position.strip():
        position = geo.to_wgs84(*geo.parse_pair(data.position), data.coordinate_system)
    created = hall is None
    hall = hall or Hall()
    hall.name, hall.kind, hall.address = name, data.kind, data.address.strip()
    hall.latitude = position.latitude if position else None
    hall.longitude = position.longitude if position else None
    hall.radius_m = data.radius_m
    hall.wait_medium_min, hall.wait_high_min = data.wait_medium_min, data.wait_high_min
    db.session.add(hall)
    db.session.flush()
    _audit_change(actor, "hall.create" if created else "hall.update", hall,
                  f"{data.coordinate_system} -> wgs84" if position else "")
    return hall


def save_window(data: WindowData, window: Window | None = None, *, actor: User | None = None) -> Window:
    """Create or update a window in an active hall, run by an active unit."""
    hall = db.session.get(Hall, data.hall_id)
    if hall is None or (not hall.active and (window is None or window.hall_id != hall.id)):
        raise ServiceError(_l("Choose an active hall."), field="hall_id")
    unit = db.session.get(Unit, data.unit_id)
    if unit is None or (not unit.active and (window is None or window.unit_id != unit.id)):
        raise ServiceError(_l("Choose an active unit."), field="unit_id")
    number, name = data.number.strip(), data.name.strip()
    if not number:
        raise ServiceError(_l("Enter the window number."), field="number")
    if not name:
        raise ServiceError(_l("Enter a name."), field="name")
    clash = sa.select(Window.id).where(Window.hall_id == hall.id, Window.number == number)
    if window is not None:
        clash = clash.where(Window.id != window.id)
    if db.session.scalar(clash) is not None:
        raise ServiceError(_l("This hall already has a window %(number)s.", number=number),
                           field="number")
    items = list(db.session.scalars(sa.select(ServiceItem).where(ServiceItem.id.in_(data.service_item_ids))))
    if len(items) != len(set(data.service_item_ids)):
        raise ServiceError(_l("Choose service items from the list."), field="service_item_ids")
    created = window is None
    window = window or Window()
    window.hall, window.unit, window.number, window.name = hall, unit, number, name
    window.comprehensive = data.comprehensive
    window.service_items = sorted(items, key=lambda i: i.code)
    db.session.add(window)
    db.session.flush()
    _audit_change(actor, "window.create" if created else "window.update", window,
                  f"{hall.name} {number}")
    return window


def set_active(obj: Unit | Hall | Window | ServiceItem, active: bool, *, actor: User | None = None) -> None:
    """Deactivate (or reactivate) a catalogue entry; it keeps its history and links."""
    obj.active = active
    _audit_change(actor, f"{type(obj).__name__.lower()}.{'activate' if active else 'deactivate'}", obj)


def search(model: Any, query: str, include_inactive: bool, *columns: Any) -> sa.Select[Any]:
    """A SELECT of ``model`` rows whose ``columns`` contain ``query``, active ones unless asked."""
    stmt: sa.Select[Any] = sa.select(model)
    if not include_inactive:
        stmt = stmt.where(model.active.is_(True))
    if query.strip():
        like = f"%{query.strip()}%"
        stmt = stmt.where(sa.or_(*(c.ilike(like) for c in columns)))
    return stmt


def unit_choices(current_id: int | None = None, *, by_code: bool = False) -> list[tuple[object, str]]:
    """Active units for a picker (and the current one, even if inactive), keyed by id or code."""
    units = db.session.scalars(
        sa.select(Unit).where(sa.or_(Unit.active.is_(True), Unit.id == current_id)).order_by(Unit.code)
    )
    return [(u.code if by_code else u.id, f"{u.name}（{u.code}）") for u in units]


def hall_choices(current_id: int | None = None) -> list[tuple[int, str]]:
    """Active halls for a picker (and the current one, even if inactive)."""
    halls = db.session.scalars(
        sa.select(Hall).where(sa.or_(Hall.active.is_(True), Hall.id == current_id))
        .order_by(_HALL_KIND_ORDER, Hall.name)
    )
    return [(h.id, h.name) for h in halls]


def service_item_choices(current_ids: tuple[int, ...] = ()) -> list[tuple[int, str]]:
    """Active service items for a picker (and those already chosen)."""
    items = db.session.scalars(
        sa.select(ServiceItem)
        .where(sa.or_(ServiceItem.active.is_(True), ServiceItem.id.in_(current_ids)))
        .order_by(ServiceItem.code)
    )
    return [(i.id, f"{i.name}（{i.code}）") for i in items]


def map_positions(hall: Hall) -> dict[str, geo.Position] | None:
    """The hall's position as GPS, AMap/Tencent and Baidu show it (to check it on a map)."""
    if hall.latitude is None or hall.longitude is None:
        return None
    wgs = geo.Position(hall.latitude, hall.longitude)
    return {system.value: geo.from_wgs84(wgs, system) for system in CoordinateSystem}


def halls_by_distance(position: geo.Position) -> list[tuple[Hall, float | None]]:
    """Active halls, nearest first (halls without a position last), with their distance."""
    ranked: list[tuple[Hall, float | None]] = []
    for hall in active_halls():
        if hall.latitude is None or hall.longitude is None:
            ranked.append((hall, None))
        else:
            ranked.append((hall, geo.distance_m(position, geo.Position(hall.latitude, hall.longitude))))
    return sorted(ranked, key=lambda pair: (pair[1] is None, pair[1] or 0.0))
