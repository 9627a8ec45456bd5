"""Liveness of what the app depends on."""

from __future__ import annotations

import logging

import sqlalchemy as sa

from app.extensions import db

log = logging.getLogger(__name__)


def database_ok() -> bool:
    """Whether the database answers a trivial query."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        log.exception("health check: database unavailable")
        db.session.rollback()
        return False
    finally:
        db.session.rollback()
    return True
