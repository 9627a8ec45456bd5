"""Notifications: what the app tells a user (in the app, and by e-mail or a WeCom group robot
where chosen), each under a unique key so that two workers or two runs never tell it twice."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, enum_column, utcnow
from app.models.user import User


class Notification(Base):
    """One message to one user; its words are made from ``kind`` and ``params`` when shown, in
    the reader's language."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    params: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    #: The page it is about (an address within the app).
    link: Mapped[str] = mapped_column(sa.String(200), default="")
    #: What makes it unique (e.g. "reminder:issue:12:2026-10-09:user:5"): a second run finds it.
    key: Mapped[str] = mapped_column(sa.String(160), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[Optional[datetime]]

    user: Mapped[User] = relationship()

    __table_args__ = (sa.Index("ix_notifications_user_id_read_at", "user_id", "read_at"),)


class Channel(enum.StrEnum):
    EMAIL = "email"
    WECOM = "wecom"


class DeliveryState(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by a worker; never sent again once acknowledged
    SENT = "sent"
    FAILED = "failed"  # gave up after the last retry


class Delivery(Base):
    """One message out of the app: an e-mail to an address or a post to a unit's WeCom robot.
    Unique per (key, channel, target): a group robot gets a unit's message once, not once per
    member."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(160))
    channel: Mapped[Channel] = mapped_column(enum_column(Channel))
    target: Mapped[str] = mapped_column(sa.String(300))
    subject: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    state: Mapped[DeliveryState] = mapped_column(enum_column(DeliveryState), default=DeliveryState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[Optional[datetime]]

    __table_args__ = (
        sa.UniqueConstraint("key", "channel", "target"),
        sa.Index("ix_deliveries_state_next_attempt_at", "state", "next_attempt_at"),
    )


class ReminderStep(Base):
    """A step of the follow-up ladder taken for an issue and one of its deadlines: the reminder
    before it, the overdue notice (督办) after it, and the proposals to the leader (约谈, 通报).
    Unique per (issue, step, deadline): a second run, or a second worker, takes it no more."""

    __tablename__ = "reminder_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(sa.ForeignKey("issues.id", ondelete="CASCADE"))
    step: Mapped[str] = mapped_column(sa.String(20))
    deadline: Mapped[date]
    taken_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.UniqueConstraint("issue_id", "step", "deadline"),)
