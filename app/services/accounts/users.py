"""Accounts: creating users, logging in with lockout, changing passwords and language."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.attributes import set_committed_value

from app.database import adopt, labelled, row_columns
from app.extensions import db
from app.models import AuditLog, InspectorConflict, Role, Unit, User
from app.models.base import utcnow
from app.services import audit, notifications
from app.services.accounts.passwords import Hasher, check_policy
from app.services.errors import ServiceError

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


class LoginRefusal(enum.StrEnum):
    """Why a login was refused."""

    INVALID = "invalid"
    LOCKED = "locked"


class LoginFailed(ServiceError):
    """The credentials were not accepted."""

    def __init__(self, reason: LoginRefusal, message: object) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class LockoutPolicy:
    """How many failures lock an account, and for how long."""

    threshold: int = 5
    minutes: int = 30


@dataclass(frozen=True)
class NewUser:
    """What is needed to create an account."""

    username: str
    role: Role
    password: str = field(repr=False)
    unit_code: str | None = None
    display_name: str = ""
    must_change_password: bool = True


def find_by_username(username: str) -> User | None:
    """The user with this (case-insensitive) user name, if any."""
    return db.session.scalar(sa.select(User).where(User.username == username.strip().lower()))


_USERS, _UNITS = User.__table__, Unit.__table__
_USER_COLUMNS, _UNIT_COLUMNS = row_columns(User), row_columns(Unit, "unit__")
#: The user by id with their unit and unread count, as one plain Core statement (``session_user``).
_USER_ROW = (
    sa.select(*labelled(User, _USER_COLUMNS), *labelled(Unit, _UNIT_COLUMNS, "unit__"),
              notifications.unread_of(_USERS.c.id).label("unread__"))
    .select_from(_USERS.outerjoin(_UNITS, _UNITS.c.id == _USERS.c.unit_id))
    .where(_USERS.c.id == sa.bindparam("user_id"))
)


def session_user(user_id: int, session_version: int) -> User | None:
    """The user a session cookie names, if still active and the cookie's session version is the
    user's (an older one means the session was revoked); read fresh on every request.

    Every signed-in request pays for this, so the row — with the user's unit and the header's
    unread count — is read with one Core statement and adopted into the ORM session as loaded,
    unchanged instances: a third of the cost of ``Session.get`` and the two lazy loads, with
    the same result — relationships load lazily, changes are flushed, and a later ``get``
    finds them in the identity map."""
    session = db.session()
    known = session.identity_map.get(session.identity_key(User, user_id))
    if known is None:
        row = session.connection(bind_arguments={"mapper": User}).execute(
            _USER_ROW, {"user_id": user_id}).mappings().one_or_none()
        if row is None:
            return None
        known = adopt(User, row, _USER_COLUMNS)
        unit = adopt(Unit, row, _UNIT_COLUMNS) if row["unit__id"] is not None else None
        set_committed_value(known, "unit", unit)
        set_committed_value(known, "unread_notifications", row["unread__"])
    if not known.active or known.session_version != session_version:
        return None
    return known


def find_unit(code: str) -> Unit | None:
    """The unit with this code, if any."""
    return db.session.scalar(sa.select(Unit).where(Unit.code == code.strip().lower()))


def create_user(info: NewUser, hasher: Hasher, *, actor: User | None = None) -> User:
    """Create an account after checking name, role, unit and the password policy."""
    username = info.username.strip().lower()
    if not USERNAME_RE.match(username):
        raise ServiceError(
            _l("User names are 2-64 characters: lower-case letters, digits, '.', '_' or '-'."),
            field="username",
        )
    if find_by_username(username) is not None:
        raise ServiceError(_l("The user name %(name)s is taken.", name=username), field="username")
    unit = None
    if info.unit_code:
        unit = find_unit(info.unit_code)
        if unit is None:
            raise ServiceError(_l("No unit has the code %(code)s.", code=info.unit_code), field="unit")
    if info.role.needs_unit and unit is None:
        raise ServiceError(
            _l("Unit and inspector accounts need a unit (--unit CODE)."), field="unit"
        )
    check_policy(info.password, username)
    now = utcnow()
    user = User(
        username=username,
        display_name=info.display_name or username,
        role=info.role,
        unit=unit,
        password_hash=hasher.hash(info.password),
        must_change_password=info.must_change_password,
        password_changed_at=now,
    )
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", actor=actor, actor_name="cli" if actor is None else "",
                 object_type="user", object_id=user.id,
                 detail=f"{username} role={info.role}")
    return user


def authenticate(
    username: str, password: str, hasher: Hasher, policy: LockoutPolicy, *, ip: str = "",
    now: datetime | None = None,
) -> User:
    """Return the user if the password is right and the account usable; else raise LoginFailed.

    Failures are counted in the database; at the threshold the account locks for the
    configured minutes, and a locked account is refused even with the right password.
    """
    now = now or utcnow()
    user = find_by_username(username)
    invalid = LoginFailed(LoginRefusal.INVALID, _l("Wrong user name or password."))
    locked_out = LoginFailed(
        LoginRefusal.LOCKED,
        _l("This account is locked after too many failed logins. Try again in %(n)d minutes "
           "or ask an administrator to unlock it.", n=policy.minutes),
    )
    if user is None or not user.active:
        hasher.verify(None, password)
        # A name without a usable account locks like a real one, so the answers do not tell
        # which accounts exist: its failures are counted from the audit log.
        if _recent_failures(username[:64], now - timedelta(minutes=policy.minutes)) >= policy.threshold:
            audit.record("login", actor=user, actor_name=username[:64], result="denied", ip=ip,
                         detail="unknown user locked" if user is None else "inactive account locked")
            raise locked_out
        audit.record("login", actor=user, actor_name=username[:64], result="fail", ip=ip,
                     detail="unknown user" if user is None else "inactive account")
        raise invalid
    if user.is_locked(now):
        audit.record("login", actor=user, result="denied", ip=ip, detail="account locked")
        raise locked_out
    if not hasher.verify(user.password_hash, password):
        locked = user.record_failed_login(now, policy.threshold, policy.minutes)
        audit.record("login", actor=user, result="fail", ip=ip, detail="wrong password")
        if locked:
            audit.record("account.lock", actor=user, result="ok", ip=ip, object_type="user",
                         object_id=user.id, detail=f"{policy.threshold} failures")
        raise invalid
    if hasher.needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    user.record_login(now)
    audit.record("login", actor=user, ip=ip)
    return user


def _recent_failures(username: str, since: datetime) -> int:
    """Failed logins under ``username`` since ``since`` (for names without a usable account)."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(
        AuditLog.action == "login", AuditLog.result == "fail", AuditLog.actor_name == username,
        AuditLog.at >= since)) or 0


def change_password(user: User, current: str, new: str, hasher: Hasher, *, ip: str = "") -> None:
    """Change the user's own password; every other session of the user is revoked."""
    if not hasher.verify(user.password_hash, current):
        raise ServiceError(_l("The current password is wrong."), field="current_password")
    if current == new:
        raise ServiceError(_l("Choose a password different from the current one."), field="password")
    check_policy(new, user.username)
    user.set_password_hash(hasher.hash(new), utcnow(), must_change=False)
    audit.record("password.change", actor=user, ip=ip, object_type="user", object_id=user.id)


def reset_password(user: User, new: str, hasher: Hasher, *, must_change: bool) -> None:
    """Set a password chosen by someone else (the CLI, an admin, the demo seed)."""
    check_policy(new, user.username)
    user.set_password_hash(hasher.hash(new), utcnow(), must_change=must_change)


def logout(user: User, *, ip: str = "") -> None:
    """Revoke the user's sessions (the signed cookie cannot be recalled otherwise)."""
    user.revoke_sessions()
    audit.record("logout", actor=user, ip=ip)


def set_locale(user: User, locale: str) -> None:
    """Remember the user's language."""
    user.locale = locale


# --- Administration of accounts ---------------------------------------------------------------


def update_user(
    user: User, *, role: Role, unit_code: str | None, display_name: str, actor: User | None = None,
) -> None:
    """Change an account's role, unit and name; a role or unit change ends its sessions."""
    unit = find_unit(unit_code) if unit_code else None
    if unit_code and unit is None:
        raise ServiceError(_l("No unit has the code %(code)s.", code=unit_code), field="unit")
    if role.needs_unit and unit is None:
        raise ServiceError(_l("Unit and inspector accounts need a unit."), field="unit")
    if actor is not None and user.id == actor.id and role != user.role:
        raise ServiceError(_l("You cannot change your own role."), field="role")
    changes = []
    if role != user.role:
        changes.append(f"role {user.role}->{role}")
    if (unit.id if unit else None) != user.unit_id:
        changes.append(f"unit {user.unit.code if user.unit else '-'}->{unit.code if unit else '-'}")
    if changes:
        user.revoke_sessions()
    user.role, user.unit = role, unit
    user.display_name = display_name.strip() or user.username
    audit.record("user.update", actor=actor, object_type="user", object_id=user.id,
                 detail="; ".join(changes))


def set_conflicts(user: User, unit_ids: list[int], *, reason: str = "", actor: User | None = None) -> None:
    """The units an inspector must never be drawn for besides their home unit (利益冲突回避)."""
    if unit_ids and user.role is not Role.INSPECTOR:
        raise ServiceError(_l("Only inspectors have conflicts of interest to avoid."), field="conflict_unit_ids")
    units = set(db.session.scalars(sa.select(Unit.id).where(Unit.id.in_(unit_ids))))
    if units != set(unit_ids):
        raise ServiceError(_l("Choose from the list."), field="conflict_unit_ids")
    before = set(db.session.scalars(sa.select(InspectorConflict.unit_id).where(InspectorConflict.user_id == user.id)))
    if before == units:
        return
    db.session.execute(sa.delete(InspectorConflict).where(InspectorConflict.user_id == user.id))
    db.session.add_all(InspectorConflict(user_id=user.id, unit_id=u, reason=reason[:200]) for u in sorted(units))
    audit.record("user.conflicts", actor=actor, object_type="user", object_id=user.id,
                 detail=",".join(str(u) for u in sorted(units)))


def conflict_unit_ids(user: User) -> list[int]:
    return list(db.session.scalars(sa.select(InspectorConflict.unit_id).where(InspectorConflict.user_id == user.id)))


def admin_reset_password(user: User, new: str, hasher: Hasher, *, actor: User | None = None) -> None:
    """Give the user a temporary password, to be changed at the next login; lifts any lock."""
    reset_password(user, new, hasher, must_change=True)
    user.unlock()
    audit.record("password.reset", actor=actor, object_type="user", object_id=user.id)


def admin_unlock(user: User, *, actor: User | None = None) -> None:
    """Lift a lock after failed logins."""
    user.unlock()
    audit.record("account.unlock", actor=actor, object_type="user", object_id=user.id)


def set_user_active(user: User, active: bool, *, actor: User | None = None) -> None:
    """Deactivate (ending every session) or reactivate an account; never one's own."""
    if actor is not None and user.id == actor.id and not active:
        raise ServiceError(_l("You cannot deactivate your own account."))
    user.active = active
    if not active:
        user.revoke_sessions()
    audit.record("user.activate" if active else "user.deactivate", actor=actor,
                 object_type="user", object_id=user.id)


EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


def set_notifications(user: User, email: str, by_email: bool) -> None:
    """Where the user's notifications are e-mailed, and whether they are (an address is needed)."""
    email = email.strip()
    if email and (len(email) > 254 or not EMAIL_RE.match(email)):
        raise ServiceError(_l("Enter an e-mail address such as name@example.gov.cn."), field="email")
    if by_email and not email:
        raise ServiceError(_l("Enter the address notifications should be e-mailed to."), field="email")
    user.email, user.notify_email = email or None, by_email
    db.session.flush()
    audit.record("account.notifications", actor=user, object_type="user", object_id=user.id,
                 detail="email" if by_email else "in the app only")
