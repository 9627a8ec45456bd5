"""Layered configuration: class < instance/config.py < environment, applied at app creation."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from flask import Flask

SECRET_KEY_FILE = "secret_key"
SQLITE_FILE = "ruwo.sqlite3"


def normalise_database_url(url: str) -> str:
    """Make PostgreSQL URLs use psycopg 3 (Heroku-style ``postgres://`` included)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def load_or_create_secret_key(instance_path: Path) -> str:
    """Read instance/secret_key, creating it (mode 0600) on first run."""
    path = instance_path / SECRET_KEY_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    key = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key + "\n")
    return key


def configure(app: Flask, config_class: type, environ: Mapping[str, str]) -> None:
    """Apply the configuration layers to ``app``; fill in the instance-folder defaults."""
    app.config.from_object(config_class)
    app.config.from_pyfile("config.py", silent=True)
    if environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = environ["DATABASE_URL"]
    if environ.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = environ["SECRET_KEY"]
    # RUWO_<KEY>=value sets <KEY>, as Flask's from_prefixed_env does, but from the mapping
    # given (so that tests need not touch os.environ). Values are JSON when they parse.
    for key, value in sorted(environ.items()):
        if key.startswith("RUWO_"):
            app.config[key.removeprefix("RUWO_")] = _loads(value)

    instance_path = Path(app.instance_path)
    instance_path.mkdir(parents=True, exist_ok=True)
    uri = app.config.get("SQLALCHEMY_DATABASE_URI")
    if not uri:
        uri = f"sqlite:///{instance_path / SQLITE_FILE}"
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(uri)
    if not app.config.get("SECRET_KEY"):
        if app.config.get("SECRET_KEY_REQUIRED"):
            # A key generated into one server's instance folder would not be the other servers':
            # their sessions and CSRF tokens would fail there.
            raise RuntimeError(
                f"SECRET_KEY is not set: the {app.config.get('ENV_NAME', '')} configuration needs one in the "
                "environment (the same on every app server) or in instance/config.py"
            )
        app.config["SECRET_KEY"] = load_or_create_secret_key(instance_path)


def _loads(value: str) -> object:
    try:
        return json.loads(value)
    except ValueError:
        return value
