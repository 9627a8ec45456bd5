"""The audit log: who did what, when, from where, with what result."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow


class AuditLog(Base):
    """One audited event (login, lockout, account change...). Rows are only ever added."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    #: The acting user, if any (None for a failed login of an unknown name, or the CLI).
    actor_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    #: Copied so the row stays readable after the account changes.
    actor_name: Mapped[str] = mapped_column(sa.String(64), default="")
    actor_role: Mapped[str] = mapped_column(sa.String(20), default="")
    ip: Mapped[str] = mapped_column(sa.String(45), default="")
    action: Mapped[str] = mapped_column(sa.String(50), index=True)
    object_type: Mapped[str] = mapped_column(sa.String(50), default="")
    object_id: Mapped[str] = mapped_column(sa.String(64), default="")
    #: "ok", "fail" or "denied".
    result: Mapped[str] = mapped_column(sa.String(10), default="ok")
    detail: Mapped[str] = mapped_column(sa.String(500), default="")
