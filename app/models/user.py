"""Users, their roles and the guarded changes of their login state."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from app.models.base import Base, enum_column, utcnow
from app.models.catalogue import Unit


class Role(enum.StrEnum):
    """What a user may do; one role per account."""

    ADMIN = "admin"
    LEADER = "leader"
    INSPECTOR = "inspector"
    UNIT = "unit"

    @property
    def needs_unit(self) -> bool:
        """Unit users belong to a unit; inspectors have a home unit (conflict of interest)."""
        return self in (Role.UNIT, Role.INSPECTOR)


class User(Base):
    """An account. Login state (failures, lock, session version) is kept in the database."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(64), default="")
    phone: Mapped[Optional[str]] = mapped_column(sa.String(32))
    #: Where notifications are e-mailed, if the user chose so (``notify_email``).
    email: Mapped[Optional[str]] = mapped_column(sa.String(254))
    notify_email: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    #: A unit user's unit, or an inspector's home unit.
    unit_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("units.id"), index=True)
    #: "zh_Hans" or "en"; None means the default (Chinese).
    locale: Mapped[Optional[str]] = mapped_column(sa.String(16))
    active: Mapped[bool] = mapped_column(default=True)
    must_change_password: Mapped[bool] = mapped_column(default=False)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[Optional[datetime]]
    #: Part of the session identifier: bumping it revokes every session of the user.
    session_version: Mapped[int] = mapped_column(default=1)
    last_login_at: Mapped[Optional[datetime]]
    password_changed_at: Mapped[Optional[datetime]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[Optional[Unit]] = relationship()
    #: The header's unread count when it was read with the signed-in user (``session_user``),
    #: else None (not a column; ``notifications.unread_count`` counts then).
    unread_notifications: Mapped[Optional[int]] = query_expression()

    __table_args__ = (
        sa.CheckConstraint(
            "role NOT IN ('unit', 'inspector') OR unit_id IS NOT NULL", name="unit_for_role"
        ),
        sa.CheckConstraint("failed_logins >= 0", name="failed_logins_nonnegative"),
    )

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"

    # Flask-Login's protocol. The identifier carries the session version so that bumping
    # the version makes every cookie issued before it useless (SECURITY.md §2).
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def is_locked(self, now: datetime) -> bool:
        """Whether login is refused because of too many failures."""
        return self.locked_until is not None and now < self.locked_until

    def record_failed_login(self, now: datetime, threshold: int, lock_minutes: int) -> bool:
        """Count a wrong password; lock the account at the threshold. Returns True if locked now."""
        if self.locked_until is not None and now >= self.locked_until:
            self.failed_logins = 0
            self.locked_until = None
        self.failed_logins += 1
        if self.failed_logins >= threshold:
            self.locked_until = now + timedelta(minutes=lock_minutes)
            return True
        return False

    def record_login(self, now: datetime) -> None:
        """A successful login clears the failure count."""
        self.failed_logins = 0
        self.locked_until = None
        self.last_login_at = now

    def unlock(self) -> None:
        """An administrator lifts a lock."""
        self.failed_logins = 0
        self.locked_until = None

    def revoke_sessions(self) -> None:
        """Invalidate every session cookie issued so far."""
        self.session_version += 1

    def set_password_hash(self, password_hash: str, now: datetime, *, must_change: bool) -> None:
        """Store a new hash, revoke older sessions and set the first-login flag."""
        self.password_hash = password_hash
        self.password_changed_at = now
        self.must_change_password = must_change
        self.revoke_sessions()
