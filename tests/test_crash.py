"""Crash test (SECURITY.md §6.26): phones keep working while the server is killed.

gunicorn (2 sync workers, bench/_server.py) serves a temporary instance on the suite's database
(SQLite file, or PostgreSQL with RUWO_TEST_BACKEND=postgresql). 25 simulated phones log in and
each does a few visits: autosave, upload two photos, submit, retrying every step with the same
visit and photo UUIDs until it is acknowledged. Midway the whole gunicorn process group is
SIGKILLed and started again; throughout, a fault point (app/faults.py) kills a worker right after
every few submits' commit, before the response, so those phones must be answered from the
idempotent path. Afterwards every acknowledged visit is stored exactly once and submitted, every
photo file matches its SHA-256, no file lacks a row (after the sweeper) and no row lacks its
files, the audit chain verifies, and SQLite's integrity_check is ok. ~20–30 s per database.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import create_app, faults
from app.extensions import db
from app.models import AuditLog, Photo, ServiceItem, Visit, VisitState, Window
from app.services import audit, demo, sweeper
from app.services.accounts import hasher_from_config
from bench._server import PASSWORD, ROOT, free_port, gunicorn, session_cookie
from config import ProductionConfig
from tests.conftest import config_for, postgres_url
from tests.photo_samples import encoded
from tests.test_visit_views import COMPLETE

pytestmark = pytest.mark.crash

PHONES = 25
VISITS_PER_PHONE = 4
PHOTOS_PER_VISIT = 2
#: The fault point kills a worker after every FAULT_EVERY-th submit it commits.
FAULT_EVERY = 6
#: The app is loaded once in the master (--preload), so that a killed worker is replaced at once
#: (by a fork) instead of after importing the app again: the test stays within its 20-30 s.
GUNICORN_OPTIONS = ("--preload",)
#: The whole server is killed once this many visits have been acknowledged.
KILL_AFTER = PHONES * VISITS_PER_PHONE // 3
DEADLINE_SECONDS = 120


@dataclass
class Tally:
    """What the phones saw (shared by the threads, under ``lock``)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    #: visit UUID -> (id, repeated) of the acknowledging answer.
    acknowledged: dict[str, tuple[int, bool]] = field(default_factory=dict)
    #: photo UUIDs acknowledged (201 or 200).
    photos: set[str] = field(default_factory=set)
    retries: int = 0
    errors: list[str] = field(default_factory=list)


class Phone:
    """One phone: its own login, a keep-alive connection it opens again after any failure."""

    def __init__(self, port: int, username: str, tally: Tally, deadline: float) -> None:
        self.port, self.tally, self.deadline = port, tally, deadline
        self.connection: http.client.HTTPConnection | None = None
        cookie = self._retry(lambda: session_cookie(f"http://127.0.0.1:{port}", username))
        self.headers = {"Cookie": cookie}
        token = self.call("GET", "/visits/api/session", expect=(200,))[1]["csrf_token"]
        self.headers["X-CSRFToken"] = token

    def _retry(self, attempt: Callable[[], str]) -> str:
        while True:
            try:
                return attempt()
            except (OSError, http.client.HTTPException, ValueError) as exc:
                self._failed(exc)

    def _failed(self, exc: object) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None
        with self.tally.lock:
            self.tally.retries += 1
        if time.monotonic() > self.deadline:
            raise TimeoutError(f"still failing at the deadline: {exc!r}")
        time.sleep(0.2)

    def call(self, method: str, path: str, body: bytes | None = None, content_type: str = "application/json",
             expect: tuple[int, ...] = (200,)) -> tuple[int, dict]:
        """Send until an expected status comes back (the same request each time); 5xx and lost
        connections are retried, anything else fails the phone."""
        while True:
            try:
                if self.connection is None:
                    self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                headers = {**self.headers, "Content-Type": content_type} if body is not None else self.headers
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException) as exc:
                self._failed(exc)
                continue
            if response.status in expect:
                return response.status, json.loads(data)
            if response.status >= 500:
                self._failed(f"{response.status}")
                continue
            raise AssertionError(f"{method} {path}: {response.status} {data[:300]!r}")

    def visit(self, payload: dict, image: bytes) -> None:
        visit_uuid = str(uuid.uuid4())
        base = f"/visits/api/visits/{visit_uuid}"
        draft = json.dumps(payload).encode()
        self.call("PUT", base, draft)
        for _ in range(PHOTOS_PER_VISIT):
            photo_uuid = str(uuid.uuid4())
            boundary = uuid.uuid4().hex
            form = b"".join(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
                for name, value in (("photo_uuid", photo_uuid), ("question_key", "notice_photo")))
            form += (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="p.jpg"\r\n'
                     "Content-Type: image/jpeg\r\n\r\n").encode() + image + f"\r\n--{boundary}--\r\n".encode()
            self.call("POST", f"{base}/photos", form, f"multipart/form-data; boundary={boundary}", expect=(200, 201))
            with self.tally.lock:
                self.tally.photos.add(photo_uuid)
        _status, answer = self.call("POST", f"{base}/submit", draft)
        assert answer["uuid"] == visit_uuid and answer["state"] == "submitted"
        with self.tally.lock:
            self.tally.acknowledged[visit_uuid] = (answer["id"], answer["repeated"])


def _prepare(url: str, instance: Path) -> tuple[int, int, set[str]]:
    """The demo county on an empty schema at ``url``: the window and matter the phones visit,
    and the UUIDs of the demo's own visits."""
    app = create_app(config_for(url), instance_path=instance, environ={})
    with app.app_context():
        db.drop_all()
        db.create_all()
        demo.seed(PASSWORD, hasher_from_config(app.config), reset_passwords=False)
        db.session.commit()
        window = db.session.scalar(sa.select(Window.id).where(Window.name == "企业登记窗口"))
        item = db.session.scalar(sa.select(ServiceItem.id).where(ServiceItem.code == "market-company-setup"))
        existing = set(db.session.scalars(sa.select(Visit.uuid)))
        db.session.remove()
        db.engine.dispose()
    return window, item, existing


def _kill_group(server: subprocess.Popen) -> None:
    """SIGKILL gunicorn's master and workers at once (its own process group)."""
    os.killpg(server.pid, signal.SIGKILL)
    server.wait(10)


def test_phones_lose_nothing_when_the_server_is_killed(backend: str, tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    instance.mkdir()
    url = postgres_url() if backend == "postgresql" else f"sqlite:///{tmp_path / 'crash.sqlite3'}"
    window_id, item_id, demo_visits = _prepare(url, instance)
    env = {**os.environ, "RUWO_CONFIG": "development", "RUWO_INSTANCE_PATH": str(instance), "DATABASE_URL": url,
           "SECRET_KEY": "crash-test-secret-key", "RUWO_RATELIMIT_ENABLED": "false",
           "RUWO_ARGON2_TIME_COST": "1", "RUWO_ARGON2_MEMORY_COST": "1024", "RUWO_ARGON2_PARALLELISM": "1",
           "RUWO_FAULT_KILL_AFTER_COMMIT": "visit.submit", "RUWO_FAULT_KILL_EVERY": str(FAULT_EVERY)}
    port = free_port()
    started = time.monotonic()
    marks: dict[str, float] = {}
    server = gunicorn("wsgi:app", port, ROOT, env, new_session=True, options=GUNICORN_OPTIONS)
    tally, killed = Tally(), threading.Event()
    deadline = time.monotonic() + DEADLINE_SECONDS
    payload = {"window_id": window_id, "service_item_id": item_id, "answers": COMPLETE,
               "marks": {"arrived": "2026-11-20T09:00:00+08:00", "ticket": "2026-11-20T09:01:00+08:00",
                         "called": "2026-11-20T09:12:00+08:00"},
               "materials": {"ticked": [], "extra": []}}
    image = encoded("JPEG", (640, 480))

    def work(n: int) -> None:
        try:
            phone = Phone(port, f"inspector{n % 3 + 1}", tally, deadline)
            for _ in range(VISITS_PER_PHONE):
                phone.visit(payload, image)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            with tally.lock:
                tally.errors.append(f"phone {n}: {exc!r}")

    phones = [threading.Thread(target=work, args=(n,)) for n in range(PHONES)]
    marks["serving"] = time.monotonic() - started
    try:
        for phone in phones:
            phone.start()
        while any(p.is_alive() for p in phones) and time.monotonic() < deadline:
            if not killed.is_set() and len(tally.acknowledged) >= KILL_AFTER:
                marks["killed"] = time.monotonic() - started
                _kill_group(server)  # master and workers, mid-request
                killed.set()
                time.sleep(0.5)
                server = gunicorn("wsgi:app", port, ROOT, env, new_session=True, options=GUNICORN_OPTIONS)
                marks["restarted"] = time.monotonic() - started
            time.sleep(0.05)
        for phone in phones:
            phone.join(5)
        marks["done"] = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(30)
    elapsed = time.monotonic() - started

    faults = [line.split()[1] for line in (instance / "faults.log").read_text().splitlines()] \
        if (instance / "faults.log").exists() else []
    sent = PHONES * VISITS_PER_PHONE
    app = create_app(config_for(url), instance_path=instance, environ={})
    storage = app.extensions["ruwo_storage"]
    with app.app_context():
        rows = {v.uuid: v for v in db.session.scalars(sa.select(Visit)) if v.uuid not in demo_visits}
        submits = db.session.execute(sa.select(AuditLog.object_id, sa.func.count()).where(
            AuditLog.action == "visit.submit").group_by(AuditLog.object_id)).all()
        lost = [u for u in tally.acknowledged if u not in rows or rows[u].state is not VisitState.SUBMITTED]
        duplicated = [object_id for object_id, n in submits if n > 1]
        photos = list(db.session.scalars(sa.select(Photo)))
        bad_files = []
        for photo in photos:
            try:
                with storage.open(photo.storage_key) as fh:
                    if hashlib.sha256(fh.read()).hexdigest() != photo.sha256:
                        bad_files.append(photo.uuid)
                storage.open(photo.thumbnail_key).close()
            except KeyError:
                bad_files.append(photo.uuid)
        referenced = {key for photo in photos for key in photo.keys}
        orphans_before = sorted(set(storage.keys()) - referenced)
        swept = sweeper.sweep(storage, sweeper.PHOTO_KEYS, grace=timedelta(0))
        orphans_after = sorted(set(storage.keys()) - referenced)
        chain = audit.verify()
        integrity = (db.session.execute(sa.text("PRAGMA integrity_check")).scalar()
                     if backend == "sqlite" else "n/a")
        db.session.remove()
        if backend == "postgresql":
            db.drop_all()
        db.engine.dispose()

    repeated_after_fault = [u for u in faults if tally.acknowledged.get(u, (0, False))[1]]
    print(f"\ncrash test on {backend}: {elapsed:.1f} s, {PHONES} phones; visits sent {sent}, "
          f"acknowledged {len(tally.acknowledged)}, lost {len(lost)}, duplicated {len(duplicated)}; "
          f"photos acknowledged {len(tally.photos)}, rows {len(photos)}, bad files {len(bad_files)}; "
          f"server killed {int(killed.is_set())}x, worker faults {len(faults)} "
          f"(answered idempotently after: {len(repeated_after_fault)}); retries {tally.retries}; "
          f"files without a row before the sweeper {len(orphans_before)} (+{len(swept.temporary)} unfinished .tmp), "
          f"after {len(orphans_after)}; audit chain {'ok' if chain.ok else chain.problem} ({chain.rows} rows); "
          f"integrity_check {integrity}; timeline {', '.join(f'{k} {v:.1f} s' for k, v in marks.items())}")

    assert tally.errors == []
    assert killed.is_set()
    assert len(tally.acknowledged) == sent
    assert lost == [] and duplicated == []
    assert len(rows) == sent and all(v.state is VisitState.SUBMITTED for v in rows.values())
    assert {p.uuid for p in photos} == tally.photos and len(photos) == sent * PHOTOS_PER_VISIT
    assert bad_files == []
    assert orphans_after == []
    assert chain.ok, chain.problem
    assert integrity in ("ok", "n/a")
    # The fault point fired, and every phone it cut off got its visit back from the idempotent path.
    assert faults, "the fault point never fired"
    assert sorted(repeated_after_fault) == sorted(faults)


def test_the_fault_point_is_off_unless_set_and_never_in_production(app_factory, tmp_path: Path) -> None:
    """The default config and the production one pass the point untouched (this process lives)."""
    for application in (app_factory(), app_factory(FAULT_KILL_AFTER_COMMIT="visit.submit", FAULT_KILL_EVERY=1,
                                                    ENV_NAME=ProductionConfig.ENV_NAME)):
        with application.app_context():
            for _ in range(3):
                faults.after_commit("visit.submit", "x")
    assert not (tmp_path / "instance" / "faults.log").exists()
