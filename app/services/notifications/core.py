"""Telling users: one Notification per user under a unique key, and the e-mails and WeCom posts
they chose (Delivery rows, sent by ``channels``). A key already used is skipped, so a step
that runs twice — a second run, a second worker — tells no one twice."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale

from app.extensions import db
from app.models import Channel, Delivery, Notification, Role, Unit, User
from app.models.base import Base, utcnow
from app.services.notifications.messages import text

#: Notifications a list shows.
LIST_LIMIT = 100


def _insert(row: Base) -> bool:
    """Add ``row`` unless its key is taken (by this transaction or a concurrent one)."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except sa.exc.IntegrityError:
        return False
    return True


def _exists(key: str) -> bool:
    return db.session.scalar(sa.select(Notification.id).where(Notification.key == key)) is not None


def _locale(user: User | None) -> str:
    return (user.locale if user and user.locale else None) or current_app.config["BABEL_DEFAULT_LOCALE"]


def _deliver(key: str, channel: Channel, target: str, kind: str, params: dict[str, Any], link: str,
             locale: str) -> None:
    with force_locale(locale):
        words = text(kind, params)
        subject = words if len(words) <= 60 else words[:59] + "…"
    base = str(current_app.config.get("PUBLIC_URL") or "").rstrip("/")
    address = f"{base}{link}" if base and link else ""
    if channel is Channel.WECOM:
        body = f"**如我** {words}" + (f"\n[查看]({address})" if address else "")
    else:
        body = words + (f"\n\n{address}" if address else "")
    _insert(Delivery(key=key, channel=channel, target=target[:300], subject=subject[:200], body=body))


def notify(users: Iterable[User], kind: str, params: dict[str, Any], *, link: str, key: str) -> int:
    """Tell each active user of ``users`` (key ``key:u<id>``); returns how many were told now."""
    told = 0
    for user in users:
        if not user.active:
            continue
        user_key = f"{key}:u{user.id}"
        if _exists(user_key) or not _insert(Notification(user_id=user.id, kind=kind, params=params, link=link,
                                                         key=user_key)):
            continue
        told += 1
        if user.notify_email and user.email:
            _deliver(user_key, Channel.EMAIL, user.email, kind, params, link, _locale(user))
    return told


def unit_users(unit_id: int) -> list[User]:
    """A unit's active accounts (its liaisons)."""
    return list(db.session.scalars(sa.select(User).where(User.unit_id == unit_id, User.role == Role.UNIT,
                                                         User.active.is_(True)).order_by(User.id)))


def leaders() -> list[User]:
    return list(db.session.scalars(sa.select(User).where(User.role == Role.LEADER, User.active.is_(True))
                                   .order_by(User.id)))


def notify_unit(unit: Unit, kind: str, params: dict[str, Any], *, link: str, key: str) -> int:
    """Tell a unit: each of its accounts, and its WeCom group robot once if it has one."""
    told = notify(unit_users(unit.id), kind, params, link=link, key=key)
    if unit.wecom_webhook:
        _deliver(key, Channel.WECOM, unit.wecom_webhook, kind, params, link, current_app.config["BABEL_DEFAULT_LOCALE"])
    return told


def notify_leaders(kind: str, params: dict[str, Any], *, link: str, key: str) -> int:
    return notify(leaders(), kind, params, link=link, key=key)


def unread_of(user_id: sa.ColumnElement[int]) -> sa.ScalarSelect[int]:
    """How many of the user's notifications are unread, as a subquery (the signed-in user is
    read with it: ``accounts.session_user``)."""
    return sa.select(sa.func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)).scalar_subquery()


#: Built once: a page's header counts them when the user was not read with the count.
_UNREAD = sa.select(unread_of(sa.bindparam("user_id")))


def unread_count(user: User) -> int:
    """The header's count: as read with the signed-in user at the start of the request, else
    counted now (a commit expires the user, so a count after a change is fresh)."""
    if user.unread_notifications is not None:
        return user.unread_notifications
    return db.session.scalar(_UNREAD, {"user_id": user.id}) or 0


def latest(user: User, limit: int = LIST_LIMIT) -> list[Notification]:
    """The user's notifications, unread first, then newest first."""
    return list(db.session.scalars(sa.select(Notification).where(Notification.user_id == user.id)
                                   .order_by(Notification.read_at.is_not(None), Notification.id.desc())
                                   .limit(limit)))


def mark_read(user: User, notification_id: int | None = None, now: datetime | None = None) -> int:
    """Mark one of the user's notifications read (or all, without an id); returns how many."""
    stmt = sa.update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if notification_id is not None:
        stmt = stmt.where(Notification.id == notification_id)
    return int(cast(sa.CursorResult, db.session.execute(stmt.values(read_at=now or utcnow()))).rowcount or 0)


def opened(user: User, notification_id: int) -> Notification | None:
    """The user's notification (None for another's), marked read."""
    found = db.session.scalar(sa.select(Notification).where(Notification.id == notification_id,
                                                            Notification.user_id == user.id))
    if found is not None and found.read_at is None:
        found.read_at = utcnow()
    return found
