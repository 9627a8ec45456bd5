"""The application factory, configuration layers, SQLite set-up and security headers."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from app import create_app
from app.extensions import db
from app.settings import normalise_database_url
from config import Config, ProductionConfig, TestingConfig


def build(tmp_path: Path, config: type = TestingConfig, environ: dict | None = None,
          instance_config: str | None = None) -> Flask:
    instance = tmp_path / "instance"
    if instance_config is not None:
        instance.mkdir(parents=True, exist_ok=True)
        (instance / "config.py").write_text(instance_config, encoding="utf-8")
    return create_app(config, instance_path=instance, environ=environ or {})


def test_factory_uses_the_class_given(tmp_path: Path) -> None:
    assert build(tmp_path).testing
    assert not build(tmp_path, Config).testing


def test_config_class_chosen_by_ruwo_config(tmp_path: Path) -> None:
    app = create_app(instance_path=tmp_path / "i", environ={"RUWO_CONFIG": "production", "SECRET_KEY": "k"})
    assert app.config["ENV_NAME"] == "production"


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="SECRET_KEY is not set"):
        create_app(instance_path=tmp_path / "i", environ={"RUWO_CONFIG": "production"})
    assert not (tmp_path / "i" / "secret_key").exists()  # none generated for this server alone
    # The instance folder's config.py may hold it instead of the environment.
    app = build(tmp_path, ProductionConfig, instance_config="SECRET_KEY = 'from-file'\n")
    assert app.config["SECRET_KEY"] == "from-file"


def test_precedence_class_then_instance_file_then_environment(tmp_path: Path) -> None:
    assert build(tmp_path).config["LOCKOUT_MINUTES"] == 30
    app = build(tmp_path, instance_config="LOCKOUT_MINUTES = 20\nLOCKOUT_THRESHOLD = 4\n")
    assert (app.config["LOCKOUT_MINUTES"], app.config["LOCKOUT_THRESHOLD"]) == (20, 4)
    app = build(
        tmp_path, environ={"RUWO_LOCKOUT_MINUTES": "15", "SECRET_KEY": "from-env",
                           "DATABASE_URL": "postgresql://u:p@db/ruwo"},
        instance_config="LOCKOUT_MINUTES = 20\nSECRET_KEY = 'from-file'\n",
    )
    assert app.config["LOCKOUT_MINUTES"] == 15  # JSON-parsed, an int
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db/ruwo"


def test_environment_strings_that_are_not_json_stay_strings(tmp_path: Path) -> None:
    app = build(tmp_path, environ={"RUWO_DEMO_PASSWORD": "Env-demo-2026"})
    assert app.config["DEMO_PASSWORD"] == "Env-demo-2026"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://a:b@h/d", "postgresql+psycopg://a:b@h/d"),
        ("postgresql://a:b@h:5433/d", "postgresql+psycopg://a:b@h:5433/d"),
        ("postgresql+psycopg://a@h/d", "postgresql+psycopg://a@h/d"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
    ],
)
def test_database_url_uses_psycopg3(given: str, expected: str) -> None:
    assert normalise_database_url(given) == expected


def test_default_database_is_sqlite_in_the_instance_folder(tmp_path: Path) -> None:
    app = build(tmp_path, Config)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'instance' / 'ruwo.sqlite3'}"


def test_secret_key_generated_once_into_the_instance_folder(tmp_path: Path) -> None:
    first = build(tmp_path, Config)
    key_file = tmp_path / "instance" / "secret_key"
    assert key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first.config["SECRET_KEY"]) >= 40
    assert build(tmp_path, Config).config["SECRET_KEY"] == first.config["SECRET_KEY"]


def test_no_secret_file_when_a_key_is_configured(tmp_path: Path) -> None:
    build(tmp_path, Config, environ={"SECRET_KEY": "configured"})
    assert not (tmp_path / "instance" / "secret_key").exists()


def test_instance_folder_is_the_repository_one_by_default() -> None:
    from app import DEFAULT_INSTANCE_PATH

    assert DEFAULT_INSTANCE_PATH == Path(__file__).resolve().parent.parent / "instance"


def test_sqlite_pragmas(tmp_path: Path) -> None:
    app = build(tmp_path, Config)
    with app.app_context(), db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 15000
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


def _trace(seen: list[str]) -> None:
    """Every statement SQLite runs on the connections checked out from now on (the BEGIN is sent
    to the driver directly, past SQLAlchemy's cursor events)."""
    sa.event.listen(db.engine, "checkout", lambda dbapi_connection, *_: dbapi_connection.set_trace_callback(seen.append))
    sa.event.listen(db.engine, "checkin", lambda dbapi_connection, *_: dbapi_connection.set_trace_callback(None))


@pytest.mark.parametrize(("method", "begin"), [("POST", "BEGIN IMMEDIATE"), ("GET", "BEGIN")])
def test_writes_begin_immediate_reads_deferred(tmp_path: Path, method: str, begin: str) -> None:
    app = build(tmp_path, Config)
    seen: list[str] = []
    with app.app_context():
        _trace(seen)
        with app.test_request_context("/", method=method):
            db.session.execute(sa.text("SELECT 1"))
            db.session.rollback()
    assert seen[0] == begin


def test_cli_transactions_begin_immediate(tmp_path: Path) -> None:
    app = build(tmp_path, Config)
    seen: list[str] = []
    with app.app_context():
        _trace(seen)
        db.session.execute(sa.text("SELECT 1"))
        db.session.rollback()
    assert seen[0] == "BEGIN IMMEDIATE"


def test_development_cookie_is_not_secure(tmp_path: Path) -> None:
    config = build(tmp_path, Config).config
    assert config["SESSION_COOKIE_NAME"] == "ruwo_session"
    assert config["SESSION_COOKIE_SECURE"] is False
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_production_cookie_is_secure_host_prefixed(tmp_path: Path) -> None:
    app = build(tmp_path, ProductionConfig, environ={"SECRET_KEY": "k"})
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'p.sqlite3'}"
    with app.app_context():
        db.create_all()
    client = app.test_client()
    page = client.get("/login", base_url="https://ruwo.example.gov.cn")
    cookie = page.headers["Set-Cookie"]
    assert cookie.startswith("__Host-ruwo_session=")
    for flag in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
        assert flag in cookie
    assert "Domain=" not in cookie
    assert all(not c.startswith("remember_token") for c in page.headers.getlist("Set-Cookie"))


def test_security_headers_on_every_response(client) -> None:
    for path in ("/login", "/healthz", "/no-such-page", "/static/css/ruwo.css"):
        response = client.get(path, base_url="https://ruwo.example.gov.cn")
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp
        assert "object-src 'none'" in csp
        assert "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        # Browsers ignore HSTS over plain http, so it is sent on HTTPS requests.
        assert "max-age=31536000" in response.headers["Strict-Transport-Security"]
        # same-origin: no address leaves for other sites, but our own HTTPS form POSTs keep the
        # Referer that Flask-WTF's CSRF check requires (no-referrer made every one fail).
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert "geolocation=(self)" in response.headers["Permissions-Policy"]


def test_pages_repeat_the_referrer_policy_in_a_meta_tag(client) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert '<meta name="referrer" content="same-origin">' in page


def test_factory_touches_no_database(tmp_path: Path) -> None:
    build(tmp_path, Config)
    db_file = tmp_path / "instance" / "ruwo.sqlite3"
    assert not db_file.exists() or db_file.stat().st_size == 0
