"""Reading the service catalogue (units, halls, windows, service items)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Hall, HallKind, ServiceItem, Unit, User, Window


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

    def active(model: type) -> int:
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


def active_units() -> list[Unit]:
    """Active units by code."""
    return list(db.session.scalars(sa.select(Unit).where(Unit.active.is_(True)).order_by(Unit.code)))


def locked_users(now) -> list[User]:  # type: ignore[no-untyped-def]
    """Users whose account is locked at ``now``."""
    return list(
        db.session.scalars(
            sa.select(User).where(User.locked_until.is_not(None), User.locked_until > now)
            .order_by(User.username)
        )
    )
