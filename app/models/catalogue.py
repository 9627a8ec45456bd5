"""The service catalogue: units, halls, windows and service items with their guides."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, enum_column, utcnow


class Unit(Base):
    """A responsible unit (责任单位), e.g. the market regulation bureau."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Short stable code used in URLs, imports and the unit's account name (unit-<code>).
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    active: Mapped[bool] = mapped_column(default=True)
    #: The unit's WeCom (企业微信) group-robot webhook, if it chose to be told there.
    wecom_webhook: Mapped[Optional[str]] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    windows: Mapped[list[Window]] = relationship(back_populates="unit")
    service_items: Mapped[list[ServiceItem]] = relationship(back_populates="unit")

    def __repr__(self) -> str:
        return f"<Unit {self.code}>"


class HallKind(enum.StrEnum):
    """What kind of place a hall is."""

    SERVICE_CENTRE = "service_centre"  # 政务服务大厅
    TOWNSHIP = "township"  # 乡镇便民服务中心
    BANK = "bank"  # 银行网点
    OTHER = "other"


class Hall(Base):
    """A place where windows serve the public (服务场所), with its WGS-84 position."""

    __tablename__ = "halls"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    kind: Mapped[HallKind] = mapped_column(enum_column(HallKind))
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    #: WGS-84 degrees (what a phone's geolocation gives); None until someone enters them.
    latitude: Mapped[Optional[float]]
    longitude: Mapped[Optional[float]]
    #: A visit farther than this from the position is marked (not refused).
    radius_m: Mapped[int] = mapped_column(default=300)
    #: Waits at or over these minutes make a medium / high finding.
    wait_medium_min: Mapped[int] = mapped_column(default=30)
    wait_high_min: Mapped[int] = mapped_column(default=60)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    windows: Mapped[list[Window]] = relationship(
        back_populates="hall", order_by="Window.number"
    )

    __table_args__ = (
        sa.CheckConstraint("radius_m > 0", name="radius_positive"),
        sa.CheckConstraint("wait_high_min >= wait_medium_min", name="wait_thresholds_ordered"),
    )

    def __repr__(self) -> str:
        return f"<Hall {self.name}>"


window_service_items = sa.Table(
    "window_service_items",
    Base.metadata,
    sa.Column("window_id", sa.ForeignKey("windows.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "service_item_id", sa.ForeignKey("service_items.id", ondelete="CASCADE"), primary_key=True
    ),
)


def window_title(hall_name: str, number: str, name: str) -> str:
    """How pages, lists and the offline kit name a window: "hall · number name"."""
    return f"{hall_name} · {number} {name}"


class Window(Base):
    """A service window (窗口) in a hall, run by one unit, serving some service items."""

    __tablename__ = "windows"

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(sa.ForeignKey("halls.id"), index=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    #: The number shown above the window, e.g. "A03".
    number: Mapped[str] = mapped_column(sa.String(16))
    name: Mapped[str] = mapped_column(sa.String(100))
    #: A comprehensive window (综合窗口) takes items of several units.
    comprehensive: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    hall: Mapped[Hall] = relationship(back_populates="windows")
    unit: Mapped[Unit] = relationship(back_populates="windows")
    service_items: Mapped[list[ServiceItem]] = relationship(
        secondary=window_service_items, back_populates="windows", order_by="ServiceItem.code"
    )

    __table_args__ = (sa.UniqueConstraint("hall_id", "number"),)

    @property
    def title(self) -> str:
        """``window_title`` of this window (loads its hall if not loaded)."""
        return window_title(self.hall.name, self.number, self.name)

    def __repr__(self) -> str:
        return f"<Window {self.number} {self.name}>"


class ServiceItem(Base):
    """A government service item (政务服务事项) with its official guide (办事指南)."""

    __tablename__ = "service_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stable key for imports, e.g. "market-company-setup".
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    #: Working days; promised may be fractional (0.5) and 0 means on the spot (即办件).
    promised_days: Mapped[Decimal] = mapped_column(sa.Numeric(5, 1))
    statutory_days: Mapped[Optional[Decimal]] = mapped_column(sa.Numeric(5, 1))
    #: The guide's fee rule in words; the fees themselves are rows of ServiceFee.
    fee_rule: Mapped[str] = mapped_column(sa.String(300), default="")
    max_trips: Mapped[int] = mapped_column(default=1)
    online_available: Mapped[bool] = mapped_column(default=False)
    #: The "高效办成一件事" package this item belongs to, if any.
    one_thing_package: Mapped[Optional[str]] = mapped_column(sa.String(100))
    guide_url: Mapped[Optional[str]] = mapped_column(sa.String(300))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    unit: Mapped[Unit] = relationship(back_populates="service_items")
    windows: Mapped[list[Window]] = relationship(
        secondary=window_service_items, back_populates="service_items"
    )
    materials: Mapped[list[RequiredMaterial]] = relationship(
        back_populates="service_item", cascade="all, delete-orphan", order_by="RequiredMaterial.position"
    )
    scenarios: Mapped[list[Scenario]] = relationship(
        back_populates="service_item", cascade="all, delete-orphan", order_by="Scenario.position"
    )
    fees: Mapped[list[ServiceFee]] = relationship(
        back_populates="service_item", cascade="all, delete-orphan", order_by="ServiceFee.id"
    )

    __table_args__ = (
        sa.CheckConstraint("promised_days >= 0", name="promised_days_nonnegative"),
        sa.CheckConstraint(
            "statutory_days IS NULL OR statutory_days >= promised_days",
            name="promised_within_statutory",
        ),
        sa.CheckConstraint("max_trips >= 0", name="max_trips_nonnegative"),
    )

    def __repr__(self) -> str:
        return f"<ServiceItem {self.code}>"


class RequiredMaterial(Base):
    """One material of a guide: whether it is conditional, shareable or abolished."""

    __tablename__ = "required_materials"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_item_id: Mapped[int] = mapped_column(
        sa.ForeignKey("service_items.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(sa.String(150))
    #: When the material is required ("委托他人办理时"); None means always.
    condition: Mapped[Optional[str]] = mapped_column(sa.String(200))
    #: The window can get it by data sharing and must not ask for it (不得要求重复提供).
    obtainable_by_sharing: Mapped[bool] = mapped_column(default=False)
    #: Abolished by policy: demanding it is a finding.
    abolished: Mapped[bool] = mapped_column(default=False)

    service_item: Mapped[ServiceItem] = relationship(back_populates="materials")

    __table_args__ = (sa.UniqueConstraint("service_item_id", "name"),)


class Scenario(Base):
    """A situation (情形) of a service item that changes what is needed."""

    __tablename__ = "scenarios"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_item_id: Mapped[int] = mapped_column(
        sa.ForeignKey("service_items.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(sa.String(120))
    description: Mapped[str] = mapped_column(sa.String(500), default="")

    service_item: Mapped[ServiceItem] = relationship(back_populates="scenarios")

    __table_args__ = (sa.UniqueConstraint("service_item_id", "name"),)


class ServiceFee(Base):
    """A fee the guide allows (e.g. 住宅 80 元/件). An item with none is free of charge."""

    __tablename__ = "service_fees"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_item_id: Mapped[int] = mapped_column(
        sa.ForeignKey("service_items.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(120))
    amount_yuan: Mapped[Decimal] = mapped_column(sa.Numeric(10, 2))

    service_item: Mapped[ServiceItem] = relationship(back_populates="fees")

    __table_args__ = (sa.CheckConstraint("amount_yuan >= 0", name="amount_nonnegative"),)
