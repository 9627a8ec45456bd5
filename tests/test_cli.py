"""`flask create-user` and `flask seed-demo`."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import (
    Assignment,
    Campaign,
    CampaignState,
    Hall,
    HallKind,
    RequiredMaterial,
    Role,
    ServiceItem,
    Unit,
    User,
    Window,
)
from app.services.accounts import hasher_from_config
from app.services.demo import ACCOUNTS
from tests.conftest import count


def user(name: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.username == name))


def test_create_user_with_password(app, runner) -> None:
    result = runner.invoke(args=["create-user", "chen", "--role", "leader", "--password", "Lead-pass-2026x"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        chen = user("chen")
        assert chen.role == Role.LEADER
        assert chen.must_change_password
        assert hasher_from_config(app.config).verify(chen.password_hash, "Lead-pass-2026x")


def test_create_unit_user_needs_unit(app, runner) -> None:
    with app.app_context():
        db.session.add(Unit(code="water", name="县供水有限公司"))
        db.session.commit()
    result = runner.invoke(args=["create-user", "w1", "--role", "unit", "--password", "Water-2026-ok"])
    assert result.exit_code != 0
    assert "--unit" in result.output
    result = runner.invoke(args=["create-user", "w1", "--role", "unit", "--unit", "nope",
                                 "--password", "Water-2026-ok"])
    assert result.exit_code != 0
    result = runner.invoke(args=["create-user", "w1", "--role", "inspector", "--unit", "water",
                                 "--password", "Water-2026-ok"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert user("w1").unit.code == "water"


def test_create_user_weak_password_refused(app, runner) -> None:
    result = runner.invoke(args=["create-user", "chen", "--role", "admin", "--password", "password"])
    assert result.exit_code != 0
    with app.app_context():
        assert count(User) == 0


def test_create_user_without_password_off_a_terminal_fails(app, runner) -> None:
    result = runner.invoke(args=["create-user", "chen", "--role", "admin"], input="Lead-2026-pass\n")
    assert result.exit_code == 2
    assert "--password is required" in result.output


def test_create_user_prompts_on_a_terminal(app, runner, monkeypatch) -> None:
    monkeypatch.setattr("app.cli.stdin_is_terminal", lambda: True)
    result = runner.invoke(args=["create-user", "chen", "--role", "admin"],
                           input="Lead-2026-pass\nLead-2026-pass\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert user("chen") is not None


def test_create_user_duplicate(app, runner) -> None:
    args = ["create-user", "chen", "--role", "admin", "--password", "Lead-2026-pass"]
    assert runner.invoke(args=args).exit_code == 0
    result = runner.invoke(args=args)
    assert result.exit_code == 1
    assert "chen" in result.output


def test_seed_demo_loads_the_county(app, runner) -> None:
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "inspector1" in result.output
    with app.app_context():
        codes = set(db.session.scalars(sa.select(Unit.code)))
        assert codes == {"market", "realestate", "housingfund", "hrss", "water", "gas", "approval"}
        kinds = [h.kind for h in db.session.scalars(sa.select(Hall))]
        assert kinds.count(HallKind.SERVICE_CENTRE) == 2
        assert kinds.count(HallKind.TOWNSHIP) == 2
        assert kinds.count(HallKind.BANK) == 1
        assert any("产城新区" in h.name for h in db.session.scalars(sa.select(Hall)))
        assert all(h.latitude and h.longitude for h in db.session.scalars(sa.select(Hall)))
        startup = db.session.scalar(sa.select(ServiceItem).where(ServiceItem.code == "market-company-setup"))
        assert float(startup.promised_days) == 0.5
        abolished = {m.name for m in startup.materials if m.abolished}
        assert "企业名称预先核准通知书" in abolished
        transfer = db.session.scalar(sa.select(ServiceItem).where(ServiceItem.code == "realestate-transfer"))
        assert float(transfer.statutory_days) == 30
        assert {float(f.amount_yuan) for f in transfer.fees} >= {80, 550}
        assert transfer.scenarios
        assert any(m.obtainable_by_sharing for m in transfer.materials)
        bank_window = db.session.scalar(sa.select(Window).join(Hall).where(Hall.kind == HallKind.BANK))
        assert "market-company-setup" in {i.code for i in bank_window.service_items}
        names = {u.username: u for u in db.session.scalars(sa.select(User))}
        assert set(names) == {a[0] for a in ACCOUNTS}
        inspectors = [names[f"inspector{i}"] for i in (1, 2, 3)]
        assert len({i.unit_id for i in inspectors}) == 3
        assert names["unit-market"].unit.code == "market"
        assert not any(u.must_change_password for u in names.values())
        hasher = hasher_from_config(app.config)
        assert hasher.verify(names["leader"].password_hash, "Ruwo-demo-2026")


def test_seed_demo_twice_duplicates_nothing_and_keeps_passwords(app, runner) -> None:
    runner.invoke(args=["seed-demo", "--password", "First-pass-2026"])
    with app.app_context():
        before = {m: count(m) for m in (Unit, Hall, Window, ServiceItem, RequiredMaterial, User)}
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "0 rows added" in result.output
    with app.app_context():
        assert {m: count(m) for m in before} == before
        assert hasher_from_config(app.config).verify(user("admin").password_hash, "First-pass-2026")


def test_seed_demo_with_password_resets_demo_passwords(app, runner) -> None:
    runner.invoke(args=["seed-demo"])
    result = runner.invoke(args=["seed-demo", "--password", "Second-pass-2026"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        hasher = hasher_from_config(app.config)
        assert all(hasher.verify(user(a[0]).password_hash, "Second-pass-2026") for a in ACCOUNTS)


def test_seed_demo_reads_ruwo_demo_password(app_factory) -> None:
    app = app_factory(DEMO_PASSWORD="Env-demo-2026")
    assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        assert hasher_from_config(app.config).verify(user("inspector2").password_hash, "Env-demo-2026")


@pytest.mark.parametrize("weak", ["12345678", "short", "Admin-pass-2026"])
def test_seed_demo_refuses_a_weak_password_and_writes_nothing(app, runner, weak) -> None:
    result = runner.invoke(args=["seed-demo", "--password", weak])
    assert result.exit_code != 0
    with app.app_context():
        assert count(User) == 0 and count(Unit) == 0


def test_seed_demo_if_empty_skips_a_used_database(app, runner) -> None:
    runner.invoke(args=["create-user", "chen", "--role", "admin", "--password", "Lead-2026-pass"])
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0
    assert "already has accounts" in result.output
    with app.app_context():
        assert count(Unit) == 0


@pytest.mark.parametrize("backend", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
def test_seed_demo_on_postgresql(app, runner) -> None:
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        assert count(User) == len(ACCOUNTS)


def test_seed_demo_draws_and_starts_a_sample_campaign_once(app, runner) -> None:
    result = runner.invoke(args=["seed-demo"])
    assert "sample campaign" in result.output
    runner.invoke(args=["seed-demo"])
    with app.app_context():
        campaigns = db.session.scalars(sa.select(Campaign)).all()
        assert len(campaigns) == 1 and campaigns[0].state is CampaignState.ACTIVE
        assert count(Assignment) == 6
    assert runner.invoke(args=["campaigns", "check-draw", str(campaigns[0].id)]).output.startswith("identical")
