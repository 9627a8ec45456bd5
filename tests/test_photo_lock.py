"""The lock rule: while a photo is being worked on (decoded, turned, resized, encoded), no write
lock is held — another worker's autosave goes through at once, on SQLite too."""

from __future__ import annotations

import threading

import pytest

from app.extensions import db
from app.services.visits import photos
from tests.photo_samples import encoded
from tests.test_photo_views import upload
from tests.test_visit_views import body, client_for, put

OTHER = "5e1d2c3b-4a59-4687-9a0b-1c2d3e4f5a6b"


def uploading_in_the_background(client, answers: dict[str, int]) -> threading.Thread:
    """A photo upload running in a thread; its status lands in ``answers["upload"]``."""
    thread = threading.Thread(target=lambda: answers.setdefault("upload", upload(client, encoded("JPEG")).status_code))
    thread.start()
    return thread


def test_a_photo_being_worked_on_does_not_block_another_workers_autosave(seeded, monkeypatch) -> None:
    first, second = client_for(seeded, "inspector1"), client_for(seeded, "inspector2")
    assert put(first, body(seeded)).status_code == 200
    working, release = threading.Event(), threading.Event()
    real = photos.process

    def slow(stream):
        working.set()
        assert release.wait(60)
        return real(stream)

    monkeypatch.setattr(photos, "process", slow)
    answers: dict[str, int] = {}
    uploading = uploading_in_the_background(first, answers)
    try:
        assert working.wait(30), "the upload never reached the photo work"
        saving = threading.Thread(target=lambda: answers.setdefault("autosave", put(second, body(seeded), OTHER)
                                                                   .status_code))
        saving.start()
        saving.join(10)  # SQLite's busy timeout is 15 s: a held lock would keep it waiting
        assert answers.get("autosave") == 200, "the autosave waited for the photo's work"
    finally:
        release.set()
        uploading.join(60)
    assert answers["upload"] == 201


def test_an_upload_checks_and_works_while_another_writer_holds_the_lock(seeded, backend, monkeypatch) -> None:
    """Its first transaction only reads: on SQLite it begins deferred, so the checks and the photo
    work go ahead while another worker writes; only the insert waits for the lock."""
    if backend != "sqlite":
        pytest.skip("SQLite's single write lock")
    first = client_for(seeded, "inspector1")
    assert put(first, body(seeded)).status_code == 200
    working = threading.Event()
    real = photos.process

    def watched(stream):
        working.set()
        return real(stream)

    monkeypatch.setattr(photos, "process", watched)
    with seeded.app_context():
        holder = db.engine.raw_connection()
    cursor = holder.cursor()
    cursor.execute("BEGIN IMMEDIATE")  # another worker, in the middle of a write
    answers: dict[str, int] = {}
    uploading = uploading_in_the_background(first, answers)
    try:
        assert working.wait(10), "the upload waited for the write lock before working on the photo"
        assert "upload" not in answers  # its insert waits for the lock
    finally:
        cursor.execute("ROLLBACK")
        holder.close()
        uploading.join(60)
    assert answers["upload"] == 201
