"""Writing the audit log. Every login and every state change goes through ``record``."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from app.extensions import db
from app.models import AuditLog, User
from app.models.base import utcnow

DENIED = "access.denied"


def record(
    action: str,
    *,
    actor: User | None = None,
    actor_name: str = "",
    result: str = "ok",
    object_type: str = "",
    object_id: object = "",
    detail: str = "",
    ip: str = "",
) -> AuditLog:
    """Add one audit row (flushed with the caller's transaction). Never pass secrets."""
    entry = AuditLog(
        actor_id=actor.id if actor is not None else None,
        actor_name=(actor.username if actor is not None else actor_name)[:64],
        actor_role=str(actor.role) if actor is not None else "",
        ip=(ip or "")[:45],
        action=action,
        object_type=object_type,
        object_id=str(object_id)[:64],
        result=result,
        detail=detail[:500],
    )
    db.session.add(entry)
    return entry


def record_denial(actor: User, where: str, status: int, *, ip: str = "", per_minute: int,
                  now: datetime | None = None) -> bool:
    """Audit a refused request (403, or 404 for another's object), at most ``per_minute`` rows
    per user and minute so that a crawl cannot flood the log. Commits its own short write
    transaction; the caller's must be finished. Returns whether a row was written."""
    now = now or utcnow()
    recent = db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(
        AuditLog.action == DENIED, AuditLog.actor_id == actor.id, AuditLog.at > now - timedelta(minutes=1)))
    if (recent or 0) >= per_minute:
        db.session.rollback()
        return False
    record(DENIED, actor=actor, result="denied", ip=ip, object_type="route", object_id=where[:64],
           detail=str(status))
    db.session.commit()
    return True
