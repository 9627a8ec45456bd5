"""Account rules: creation, lockout (SECURITY.md §6.1), password change, audit rows."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.models import AuditLog, Role, Unit, User
from app.models.base import utcnow
from app.services import accounts
from app.services.accounts import hasher_from_config
from app.services.errors import ServiceError
from tests.conftest import PASSWORD, count

POLICY = accounts.LockoutPolicy(threshold=5, minutes=30)


@pytest.fixture
def hasher(app):
    return hasher_from_config(app.config)


@pytest.fixture
def market(db):
    unit = Unit(code="market", name="县市场监督管理局")
    db.session.add(unit)
    db.session.commit()
    return unit


def new(username="zhang", role=Role.LEADER, unit=None, password=PASSWORD):
    return accounts.NewUser(username=username, role=role, password=password, unit_code=unit)


def test_create_user_hashes_and_requires_first_login_change(db, hasher) -> None:
    user = accounts.create_user(new(), hasher)
    assert user.password_hash.startswith("$argon2id$")
    assert user.must_change_password
    assert hasher.verify(user.password_hash, PASSWORD)
    assert db.session.scalar(sa.select(AuditLog.action).where(AuditLog.object_id == str(user.id))) == "user.create"


def test_user_names_are_lower_case_and_unique(db, hasher) -> None:
    accounts.create_user(new("Zhang"), hasher)
    with pytest.raises(ServiceError) as caught:
        accounts.create_user(new("zhang"), hasher)
    assert caught.value.field == "username"


@pytest.mark.parametrize("name", ["a", "has space", "名字", "x" * 65, "-lead"])
def test_bad_user_names(db, hasher, name) -> None:
    with pytest.raises(ServiceError):
        accounts.create_user(new(name), hasher)


@pytest.mark.parametrize("role", [Role.UNIT, Role.INSPECTOR])
def test_unit_and_inspector_need_a_unit(db, hasher, market, role) -> None:
    with pytest.raises(ServiceError) as caught:
        accounts.create_user(new(role=role), hasher)
    assert caught.value.field == "unit"
    user = accounts.create_user(new(role=role, unit="market"), hasher)
    assert user.unit.code == "market"


def test_unknown_unit_code(db, hasher) -> None:
    with pytest.raises(ServiceError):
        accounts.create_user(new(role=Role.UNIT, unit="nope"), hasher)


def test_database_refuses_a_unit_user_without_unit(db) -> None:
    db.session.add(User(username="x", role=Role.UNIT, password_hash="h"))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_weak_password_refused_nothing_written(db, hasher) -> None:
    with pytest.raises(ServiceError):
        accounts.create_user(new(password="12345678"), hasher)
    db.session.rollback()
    assert count(User) == 0


def test_authenticate_ok_clears_failures(db, hasher) -> None:
    user = accounts.create_user(new(), hasher)
    user.failed_logins = 3
    assert accounts.authenticate("ZHANG ", PASSWORD, hasher, POLICY) is user
    assert user.failed_logins == 0
    assert user.last_login_at is not None


def test_unknown_user_and_wrong_password_give_the_same_message(db, hasher) -> None:
    accounts.create_user(new(), hasher)
    with pytest.raises(accounts.LoginFailed) as unknown:
        accounts.authenticate("nobody", PASSWORD, hasher, POLICY)
    with pytest.raises(accounts.LoginFailed) as wrong:
        accounts.authenticate("zhang", "wrong", hasher, POLICY)
    assert str(unknown.value.message) == str(wrong.value.message)


def test_inactive_account_refused(db, hasher) -> None:
    user = accounts.create_user(new(), hasher)
    user.active = False
    with pytest.raises(accounts.LoginFailed):
        accounts.authenticate("zhang", PASSWORD, hasher, POLICY)


def test_lockout_after_five_failures_for_thirty_minutes(db, hasher) -> None:
    user = accounts.create_user(new(), hasher)
    start = utcnow()
    for _ in range(5):
        with pytest.raises(accounts.LoginFailed) as caught:
            accounts.authenticate("zhang", "wrong", hasher, POLICY, now=start)
        assert caught.value.reason == accounts.LoginRefusal.INVALID
    assert user.is_locked(start)
    with pytest.raises(accounts.LoginFailed) as caught:
        accounts.authenticate("zhang", PASSWORD, hasher, POLICY, now=start + timedelta(minutes=29))
    assert caught.value.reason == accounts.LoginRefusal.LOCKED
    assert accounts.authenticate("zhang", PASSWORD, hasher, POLICY,
                                 now=start + timedelta(minutes=31)) is user
    actions = db.session.execute(
        sa.select(AuditLog.action, AuditLog.result).order_by(AuditLog.id)
    ).all()
    assert ("account.lock", "ok") in actions
    assert ("login", "denied") in actions
    assert actions[-1] == ("login", "ok")


def test_four_failures_do_not_lock(db, hasher) -> None:
    accounts.create_user(new(), hasher)
    for _ in range(4):
        with pytest.raises(accounts.LoginFailed):
            accounts.authenticate("zhang", "wrong", hasher, POLICY)
    assert accounts.authenticate("zhang", PASSWORD, hasher, POLICY).username == "zhang"


def test_failures_restart_after_a_lock_expires(db, hasher) -> None:
    user = accounts.create_user(new(), hasher)
    start = utcnow()
    for _ in range(5):
        with pytest.raises(accounts.LoginFailed):
            accounts.authenticate("zhang", "wrong", hasher, POLICY, now=start)
    later = start + timedelta(minutes=31)
    with pytest.raises(accounts.LoginFailed):
        accounts.authenticate("zhang", "wrong", hasher, POLICY, now=later)
    assert user.failed_logins == 1
    assert not user.is_locked(later)


def test_change_password_revokes_sessions(db, hasher) -> None:
    user = accounts.create_user(new(), hasher)
    version = user.session_version
    with pytest.raises(ServiceError):
        accounts.change_password(user, "wrong", "New-pass-2026x", hasher)
    with pytest.raises(ServiceError):
        accounts.change_password(user, PASSWORD, PASSWORD, hasher)
    with pytest.raises(ServiceError):
        accounts.change_password(user, PASSWORD, "short", hasher)
    accounts.change_password(user, PASSWORD, "New-pass-2026x", hasher)
    assert hasher.verify(user.password_hash, "New-pass-2026x")
    assert not user.must_change_password
    assert user.session_version == version + 1


def test_no_secret_in_audit_rows(db, hasher) -> None:
    user = accounts.create_user(new(), hasher)
    with pytest.raises(accounts.LoginFailed):
        accounts.authenticate("zhang", "Secret-typo-99", hasher, POLICY)
    accounts.change_password(user, PASSWORD, "New-pass-2026x", hasher)
    for row in db.session.scalars(sa.select(AuditLog)):
        text = " ".join(str(v) for v in vars(row).values())
        assert "Secret-typo-99" not in text and PASSWORD not in text and "$argon2" not in text


def test_session_user_is_the_fresh_row_adopted_into_the_session(db, hasher, market) -> None:
    user = accounts.create_user(new("li", role=Role.UNIT, unit="market"), hasher)
    db.session.commit()
    user_id, version = user.id, user.session_version
    db.session.remove()

    adopted = accounts.session_user(user_id, version)
    assert adopted is not None and adopted.username == "li" and adopted.role is Role.UNIT
    assert adopted.unit.name == "县市场监督管理局"  # relationships still load
    assert db.session.get(User, user_id) is adopted  # one instance per identity
    assert not db.session.dirty
    adopted.display_name = "李四"  # and changes are written
    db.session.commit()
    db.session.remove()
    assert db.session.get(User, user_id).display_name == "李四"


def test_session_user_brings_its_unit_and_unread_count_in_one_statement(db, hasher, market) -> None:
    from app.services import notifications

    user = accounts.create_user(new("li", role=Role.UNIT, unit="market"), hasher)
    db.session.commit()
    for n in range(3):
        notifications.notify([user], "issue.assigned", {}, link="/issues/", key=f"k{n}")
    db.session.commit()
    user_id, version = user.id, user.session_version
    db.session.remove()

    selects: list[str] = []

    def seen(_conn, _cursor, statement, *_rest) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            selects.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", seen)
    try:
        adopted = accounts.session_user(user_id, version)
        assert adopted.unit.code == "market" and notifications.unread_count(adopted) == 3
        assert db.session.get(Unit, adopted.unit_id) is adopted.unit
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", seen)
    assert len(selects) == 1
    assert not db.session.dirty and not db.session.new

    notifications.mark_read(adopted)  # a count after a change is counted again
    db.session.commit()
    assert notifications.unread_count(adopted) == 0


def test_session_user_refuses_revoked_inactive_and_missing_users(db, hasher) -> None:
    user = accounts.create_user(new("wang"), hasher)
    db.session.commit()
    user_id, version = user.id, user.session_version
    db.session.remove()
    assert accounts.session_user(user_id, version + 1) is None  # an older cookie after a bump
    assert accounts.session_user(user_id + 1000, version) is None
    db.session.get(User, user_id).active = False
    db.session.commit()
    db.session.remove()
    assert accounts.session_user(user_id, version) is None
