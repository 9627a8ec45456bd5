"""Campaigns (暗访批次): a round of visits drawn at random (双随机), sealed until it starts."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, enum_column, utcnow
from app.models.catalogue import Hall, ServiceItem, Unit, Window
from app.models.user import User


class CampaignState(enum.StrEnum):
    DRAFT = "draft"  # 草稿: pools being chosen
    DRAWN = "drawn"  # 已抽取: targets and inspectors paired, sealed
    ACTIVE = "active"  # 进行中: inspectors see their assignments from the start date
    CLOSED = "closed"  # 已结束
    PUBLISHED = "published"  # 已公开 (一公开): units see the disclosure


#: Which moves a campaign's state allows (each is one leader step, with an event and an audit row).
CAMPAIGN_TRANSITIONS: dict[CampaignState, frozenset[CampaignState]] = {
    CampaignState.DRAFT: frozenset({CampaignState.DRAWN}),
    CampaignState.DRAWN: frozenset({CampaignState.DRAWN, CampaignState.ACTIVE, CampaignState.DRAFT}),
    CampaignState.ACTIVE: frozenset({CampaignState.CLOSED}),
    CampaignState.CLOSED: frozenset({CampaignState.PUBLISHED}),
    CampaignState.PUBLISHED: frozenset(),
}


class CampaignInvalidTransition(Exception):
    """A campaign step its state does not allow."""


class PoolKind(enum.StrEnum):
    HALL = "hall"  # the hall as one target (a window of it drawn at random)
    HALL_WINDOWS = "hall_windows"  # every window of the hall, each a target
    WINDOW = "window"
    SERVICE_ITEM = "service_item"  # the matter, at a window serving it drawn at random


campaign_inspectors = sa.Table(
    "campaign_inspectors",
    Base.metadata,
    sa.Column("campaign_id", sa.ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Campaign(Base):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    survey_key: Mapped[str] = mapped_column(sa.String(50))
    survey_version: Mapped[int]
    #: Targets to draw from the pool; None draws every target.
    targets_wanted: Mapped[Optional[int]]
    visits_per_target: Mapped[int] = mapped_column(default=1)
    #: Working days from the start an inspector has for a visit.
    due_working_days: Mapped[int] = mapped_column(default=10)
    state: Mapped[CampaignState] = mapped_column(enum_column(CampaignState), default=CampaignState.DRAFT, index=True)
    created_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_on: Mapped[Optional[date]]

    pool: Mapped[list[PoolEntry]] = relationship(back_populates="campaign", cascade="all, delete-orphan",
                                                 order_by="PoolEntry.id")
    inspectors: Mapped[list[User]] = relationship(secondary=campaign_inspectors, order_by="User.username")
    draws: Mapped[list[Draw]] = relationship(back_populates="campaign", cascade="all, delete-orphan",
                                             order_by="Draw.id")
    events: Mapped[list[CampaignEvent]] = relationship(back_populates="campaign", cascade="all, delete-orphan",
                                                       order_by="CampaignEvent.id")

    __table_args__ = (
        sa.CheckConstraint("visits_per_target BETWEEN 1 AND 5", name="visits_per_target_range"),
        sa.CheckConstraint("starts_on <= ends_on", name="period_order"),
    )

    def move(self, to: CampaignState) -> CampaignState:
        """Change state if the table allows it; returns the previous state."""
        if to not in CAMPAIGN_TRANSITIONS[self.state]:
            raise CampaignInvalidTransition(f"{self.state} -> {to}")
        previous, self.state = self.state, to
        return previous

    @property
    def current_draw(self) -> Draw | None:
        return self.draws[-1] if self.draws else None


class PoolEntry(Base):
    """One entry of a campaign's target pool: a hall, every window of a hall, a window, or a matter."""

    __tablename__ = "campaign_pool"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    kind: Mapped[PoolKind] = mapped_column(enum_column(PoolKind))
    hall_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("halls.id"))
    window_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("windows.id"))
    service_item_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("service_items.id"))

    campaign: Mapped[Campaign] = relationship(back_populates="pool")
    hall: Mapped[Optional[Hall]] = relationship()
    window: Mapped[Optional[Window]] = relationship()
    service_item: Mapped[Optional[ServiceItem]] = relationship()


class Draw(Base):
    """One run of the draw: its seed, canonically ordered inputs and result, so it can be re-run."""

    __tablename__ = "campaign_draws"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    algorithm: Mapped[str] = mapped_column(sa.String(40))
    seed: Mapped[str] = mapped_column(sa.String(40))
    inputs: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    result: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    #: Why a draw was run again (empty for the first).
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    created_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    campaign: Mapped[Campaign] = relationship(back_populates="draws")
    created_by: Mapped[Optional[User]] = relationship()


class CampaignEvent(Base):
    """One step of a campaign: created, drawn, redrawn, started, closed, published."""

    __tablename__ = "campaign_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    from_state: Mapped[Optional[str]] = mapped_column(sa.String(20))
    to_state: Mapped[Optional[str]] = mapped_column(sa.String(20))
    note: Mapped[str] = mapped_column(sa.String(500), default="")

    campaign: Mapped[Campaign] = relationship(back_populates="events")
    actor: Mapped[Optional[User]] = relationship()


class InspectorConflict(Base):
    """A further unit an inspector must never visit (a spouse's unit, a former employer…)."""

    __tablename__ = "inspector_conflicts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(sa.String(200), default="")

    user: Mapped[User] = relationship()
    unit: Mapped[Unit] = relationship()

    __table_args__ = (sa.UniqueConstraint("user_id", "unit_id"),)
