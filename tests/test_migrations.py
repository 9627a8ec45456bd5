"""`flask db upgrade` on an empty database gives exactly the models, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from app.extensions import db

pytestmark = pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)


@pytest.fixture
def empty_app(app_factory):
    app = app_factory()
    with app.app_context():
        db.drop_all()
    yield app
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")


def test_upgrade_matches_the_models(empty_app) -> None:
    with empty_app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "compare_server_default": True}
            )
            diff = compare_metadata(context, db.metadata)
            tables = set(sa.inspect(conn).get_table_names())
    assert diff == []
    assert tables == set(db.metadata.tables) | {"alembic_version"}


def test_upgrade_then_downgrade_to_base(empty_app) -> None:
    with empty_app.app_context():
        upgrade()
        downgrade(revision="base")
        with db.engine.connect() as conn:
            assert set(sa.inspect(conn).get_table_names()) <= {"alembic_version"}


def test_cli_upgrade_and_check(empty_app) -> None:
    runner = empty_app.test_cli_runner()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output


def test_upgrade_chains_the_audit_rows_already_there(empty_app) -> None:
    """The hash-chain revision backfills prev_hash/row_hash so that the old rows verify."""
    from app.services import audit

    with empty_app.app_context():
        upgrade(revision="c00e2c4c1d60")
        with db.engine.begin() as conn:
            for i, at in enumerate(("2026-01-02 03:04:05.123456", "2026-01-02 03:04:06", "2026-02-01 00:00:00.5")):
                conn.execute(sa.text(
                    "INSERT INTO audit_log (at, actor_name, actor_role, ip, action, object_type, object_id, result, "
                    "detail) VALUES (:at, :name, '', '10.0.0.1', 'login', '', '', 'ok', :detail)"),
                    {"at": at if conn.dialect.name == "sqlite" else at + "+00", "name": f"u{i}", "detail": f"第{i}次"})
        upgrade()
        assert audit.verify().rows == 3 and audit.verify().ok
        audit.record("after.upgrade", actor_name="cli")
        db.session.commit()
        assert audit.verify().rows == 4 and audit.verify().ok
        db.session.remove()
