"""The audit log: who did what, when, from where, with what result; hash-chained.

Each row carries the hash of the row before it (``prev_hash``) and its own (``row_hash``, over
its fields and ``prev_hash``), so a row edited or deleted by hand breaks the chain
(SECURITY.md §6.29). ``app/services/audit.py`` fills both when a row is flushed; an anchor keeps
the hash of the last row a retention purge removed, so the rows after it still verify.
"""

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
    #: The ``row_hash`` of the row before (of the purge anchor, or 64 zeros for the first row).
    prev_hash: Mapped[str] = mapped_column(sa.String(64), default="", server_default=sa.text("''"))
    #: SHA-256 (hex) of this row's canonical fields and ``prev_hash``.
    row_hash: Mapped[str] = mapped_column(sa.String(64), default="", server_default=sa.text("''"))


class AuditAnchor(Base):
    """Written by each retention purge: the last row it removed, whose hash the first remaining
    row names as ``prev_hash``. The newest anchor starts the chain."""

    __tablename__ = "audit_anchor"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The id, time and hash of the last removed row.
    last_id: Mapped[int]
    last_at: Mapped[datetime]
    last_hash: Mapped[str] = mapped_column(sa.String(64))
    #: How many rows this purge removed.
    removed: Mapped[int]
