"""Backup and restore through the commands: a round trip gives an installation with the same rows
in every table and the same bytes in every file (SQLite with the folder and with SeaweedFS;
PostgreSQL when a server is there); a damaged archive is refused, naming what is wrong, and so is
an installation that is not empty."""

from __future__ import annotations

import io
import json
import re
import sqlite3
import tarfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from app import create_app
from app.cli import file_stores
from app.extensions import db
from app.services import backup
from tests.conftest import config_for, postgres_url
from tests.photo_samples import encoded
from tests.test_exports import start
from tests.test_photo_views import inspector, upload  # noqa: F401 (fixture)
from tests.test_visit_views import client_for


@pytest.fixture
def app(app_factory, storage_settings):
    """The installation backed up, its files in the store of this run."""
    return app_factory(**storage_settings)


@pytest.fixture
def filled(seeded, inspector):  # noqa: F811
    """The demo county with a photo uploaded and an export made in the background."""
    assert upload(inspector, encoded("JPEG", (640, 480))).status_code == 201
    seeded.config["EXPORT_INLINE_LIMITS"] = {"issues.ledger": -1}
    leader = client_for(seeded, "leader")
    start(leader, leader.get("/issues/all/ledger.xlsx"))
    assert len(seeded.extensions["ruwo_storage"].keys()) == 2 and len(seeded.extensions["ruwo_exports"].keys()) == 1
    return seeded


def rows(application: Flask) -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order."""
    with application.app_context():
        metadata = sa.MetaData()
        metadata.reflect(bind=db.engine)
        with db.engine.connect() as connection:
            return {name: sorted((tuple(r) for r in connection.execute(sa.select(table))), key=repr)
                    for name, table in metadata.tables.items()}


def files(application: Flask) -> dict[str, dict[str, bytes]]:
    """Every file of every store, by key."""
    out: dict[str, dict[str, bytes]] = {}
    for name, store in file_stores(application).items():
        out[name] = {}
        for key in store.keys():
            with store.open(key) as fh:
                out[name][key] = fh.read()
    return out


def other_settings(storage_settings: dict[str, str]) -> dict[str, str]:
    """The same kind of store, but another place (another prefix in the bucket)."""
    return {**storage_settings, "S3_PREFIX": storage_settings["S3_PREFIX"] + "restored/"} if storage_settings else {}


def new_installation(url: str, folder: Path, settings: dict[str, str]) -> Flask:
    return create_app(config_for(url, **settings), instance_path=folder, environ={})


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_round_trip_on_sqlite(filled, storage_settings, tmp_path) -> None:
    archive = tmp_path / "ruwo.tar"
    result = filled.test_cli_runner().invoke(args=["backup", str(archive)])
    assert result.exit_code == 0, result.output
    assert re.search(r"Wrote .*the sqlite database \(\d+ rows\) and 3 files", result.output)
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())
    assert names[0] == "database/ruwo.sqlite3" and names[-1] == "manifest.json"
    assert sorted(m["name"] for m in manifest["members"]) == sorted(names[:-1])
    assert all(re.fullmatch(r"[0-9a-f]{64}", m["sha256"]) for m in manifest["members"])

    restored = new_installation(f"sqlite:///{tmp_path / 'restored.sqlite3'}", tmp_path / "restored",
                                other_settings(storage_settings))
    result = restored.test_cli_runner().invoke(args=["restore", str(archive)])
    assert result.exit_code == 0, result.output
    assert "checked against its manifest" in result.output
    assert rows(restored) == rows(filled)
    assert files(restored) == files(filled)
    # The restored installation serves the photo to the leader.
    photo = next(iter(rows(restored)["photos"]))
    uuid = next(v for v in photo if isinstance(v, str) and re.fullmatch(r"[0-9a-f-]{36}", v))
    served = client_for(restored, "leader").get(f"/photos/{uuid}.jpg")
    assert served.status_code == 200 and served.data in files(filled)["uploads"].values()

    again = restored.test_cli_runner().invoke(args=["restore", str(archive)])
    assert again.exit_code != 0 and "not empty" in again.output and "--force" in again.output
    forced = restored.test_cli_runner().invoke(args=["restore", "--force", str(archive)])
    assert forced.exit_code == 0, forced.output
    assert rows(restored) == rows(filled) and files(restored) == files(filled)


@pytest.mark.parametrize("storage_settings", [{}])
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_backup_is_taken_while_a_write_is_in_progress(seeded, tmp_path) -> None:
    """The app keeps serving: a writer holding SQLite's write lock does not stop the backup, which
    copies what is committed."""
    path = seeded.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    writer = sqlite3.connect(path, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("INSERT INTO units (code, name, active, created_at) "
                       "VALUES ('uncommitted', 'Unit being added', 1, '2026-11-28 00:00:00')")
        with seeded.app_context():
            committed = backup.table_counts_of_file(Path(path))["units"]
            manifest = backup.create(tmp_path / "ruwo.tar", db.engine, file_stores(seeded))
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert manifest.tables["units"] == committed
    assert backup.verify(tmp_path / "ruwo.tar").tables == manifest.tables


@pytest.mark.parametrize("storage_settings", [{}])
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_an_archive_from_the_folder_restores_into_a_bucket(filled, seaweedfs, tmp_path) -> None:
    archive = tmp_path / "ruwo.tar"
    assert filled.test_cli_runner().invoke(args=["backup", str(archive)]).exit_code == 0
    restored = new_installation(f"sqlite:///{tmp_path / 'restored.sqlite3'}", tmp_path / "restored",
                                seaweedfs.settings(f"t-{tmp_path.name}/"))
    result = restored.test_cli_runner().invoke(args=["restore", str(archive)])
    assert result.exit_code == 0, result.output
    assert rows(restored) == rows(filled) and files(restored) == files(filled)


def rewrite(archive: Path, target: Path, change) -> None:  # type: ignore[no-untyped-def]
    """Copy ``archive`` to ``target`` member by member, ``change(name, data)`` giving the new data
    (None drops the member)."""
    with tarfile.open(archive) as source, tarfile.open(target, "w") as out:
        for info in source:
            data = change(info.name, source.extractfile(info).read())
            if data is not None:
                info.size = len(data)
                out.addfile(info, io.BytesIO(data))


@pytest.mark.parametrize("storage_settings", [{}])
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_damaged_archive_is_refused_naming_the_problem(filled, tmp_path) -> None:
    archive = tmp_path / "ruwo.tar"
    assert filled.test_cli_runner().invoke(args=["backup", str(archive)]).exit_code == 0
    restored = new_installation(f"sqlite:///{tmp_path / 'restored.sqlite3'}", tmp_path / "restored", {})
    runner = restored.test_cli_runner()

    truncated = tmp_path / "truncated.tar"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    result = runner.invoke(args=["restore", str(truncated)])
    assert result.exit_code != 0 and "truncated" in result.output, result.output

    photo = next(name for name in tarfile.open(archive).getnames() if name.startswith("objects/uploads/"))
    wrong = tmp_path / "wrong.tar"
    rewrite(archive, wrong, lambda name, data: bytes([data[0] ^ 1]) + data[1:] if name == photo else data)
    result = runner.invoke(args=["restore", str(wrong)])
    assert result.exit_code != 0 and f"wrong sum for {photo}" in result.output, result.output

    missing = tmp_path / "missing.tar"
    rewrite(archive, missing, lambda name, data: None if name == photo else data)
    result = runner.invoke(args=["restore", str(missing)])
    assert result.exit_code != 0 and f"missing member {photo}" in result.output, result.output

    # Nothing was changed by any of them.
    assert rows(restored) == {} and files(restored) == {"uploads": {}, "exports": {}}
    assert backup.verify(archive).objects() == 3


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_round_trip_on_postgresql(filled, storage_settings, tmp_path) -> None:
    archive = tmp_path / "ruwo.tar"
    result = filled.test_cli_runner().invoke(args=["backup", str(archive)])
    assert result.exit_code == 0, result.output
    assert "the postgresql database" in result.output
    url = sa.make_url(postgres_url())
    target = url.set(database=f"{url.database}_restored")
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{target.database}"')
        connection.exec_driver_sql(f'CREATE DATABASE "{target.database}"')
    engine.dispose()
    restored = new_installation(target.render_as_string(hide_password=False), tmp_path / "restored",
                                other_settings(storage_settings))
    try:
        result = restored.test_cli_runner().invoke(args=["restore", str(archive)])
        assert result.exit_code == 0, result.output
        assert rows(restored) == rows(filled)
        assert files(restored) == files(filled)
    finally:
        with restored.app_context():
            db.engine.dispose()
        engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{target.database}"')
        engine.dispose()
