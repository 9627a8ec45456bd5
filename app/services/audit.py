"""Writing the audit log. Every login and every state change goes through ``record``."""

from __future__ import annotations

from app.extensions import db
from app.models import AuditLog, User


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
