"""Work too long for a request: a job row records who asked for what, its progress and the
file it produced; the queue (``app.jobs``) only carries the job's id.

A *kind* is registered once (``register``) with the roles that may ask for it and the function
that produces its file from the stored parameters. ``run`` is what a worker does: it claims the
job, produces the file while only reading (SQLite's write lock stays free for everyone else),
writes it through the storage interface (so any app server can hand it out), and records the
result. Files expire: ``expire`` deletes them and marks their jobs.

Unlike the other services, ``run`` and ``expire`` commit: they are whole units of work.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from app.database import reading
from app.extensions import db
from app.models import Job, JobState, Role, User
from app.models.base import utcnow
from app.services import audit
from app.services.errors import NotFound, ServiceError
from app.services.storage import Storage

log = logging.getLogger(__name__)

#: ``progress(done, total)``: how far the work is, in the kind's own units (rows).
Progress = Callable[[int, int], None]
#: Progress is written at most this often (seconds), so that reporting costs nothing.
PROGRESS_EVERY = 0.5
#: A job neither done nor failed this long after it was asked for has lost its worker.
STALE_AFTER = timedelta(hours=6)
#: A job's id: random, 32 hexadecimal digits.
JOB_ID_BYTES = 16
JOB_ID = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class Output:
    """What a kind produced: the download's name and type, and its bytes as they come."""

    filename: str
    mimetype: str
    chunks: Iterable[bytes]


@dataclass(frozen=True)
class Kind:
    name: str
    roles: frozenset[Role]
    #: ``produce(params, user, progress)``; a ServiceError's message is shown to the user.
    produce: Callable[[Mapping[str, Any], User, Progress], Output]


_KINDS: dict[str, Kind] = {}


def register(name: str, roles: Iterable[Role]) -> Callable[[Callable], Callable]:
    """Decorator: ``produce`` of the kind ``name``, which users of ``roles`` may ask for."""

    def decorator(produce: Callable[[Mapping[str, Any], User, Progress], Output]) -> Callable:
        _KINDS[name] = Kind(name, frozenset(roles), produce)
        return produce

    return decorator


def kind(name: str) -> Kind:
    """The registered kind (KeyError for an unknown one)."""
    return _KINDS[name]


def create(kind_name: str, params: Mapping[str, Any], user: User, locale: str) -> Job:
    """A queued job of ``kind_name`` for ``user`` (flushed; the caller commits, then enqueues)."""
    found = _KINDS.get(kind_name)
    if found is None or user.role not in found.roles:
        raise NotFound(_l("There is no such export."))
    job = Job(id=secrets.token_hex(JOB_ID_BYTES), kind=kind_name, params=dict(params), user_id=user.id, locale=locale)
    db.session.add(job)
    db.session.flush()
    audit.record("export.queued", actor=user, object_type="job", object_id=job.id, detail=kind_name)
    return job


def mine(job_id: str, user: User) -> Job:
    """The job, if ``user`` asked for it (another's does not exist for them)."""
    job = db.session.get(Job, job_id) if JOB_ID.fullmatch(job_id) else None
    if job is None or job.user_id != user.id:
        raise NotFound(_l("There is no such export."))
    return job


def recent(user: User, limit: int = 20) -> list[Job]:
    """The user's latest jobs, newest first."""
    return list(db.session.scalars(sa.select(Job).where(Job.user_id == user.id)
                                   .order_by(Job.created_at.desc()).limit(limit)))


def _reporter(job_id: str) -> Progress:
    """Writes progress on its own short transaction (the export's reading one stays open)."""
    last = 0.0

    def progress(done: int, total: int) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last < PROGRESS_EVERY:
            return
        last = now
        with db.engine.begin() as connection:
            connection.execute(sa.update(Job).where(Job.id == job_id).values(done=done, total=total))

    return progress


def _claim(job_id: str, now: datetime) -> tuple[str, dict[str, Any], int, str] | None:
    """Mark the job running; its kind, parameters, user and locale, read before the commit (a
    read after it would begin a transaction that holds SQLite's write lock)."""
    job = db.session.get(Job, job_id)
    if job is None or job.state not in (JobState.QUEUED, JobState.RUNNING):
        db.session.rollback()
        return None  # done, failed or expired already: the queue delivered it twice
    job.move(JobState.RUNNING)
    job.started_at = now
    claimed = job.kind, dict(job.params), job.user_id, job.locale
    db.session.commit()
    return claimed


def run(job_id: str, storage: Storage, ttl: timedelta, now: Callable[[], datetime] = utcnow) -> Job | None:
    """Produce the job's file and record the outcome; None if there is nothing to run."""
    claimed = _claim(job_id, now())
    if claimed is None:
        return None
    kind_name, params, user_id, locale = claimed
    key: str | None = None
    error = ""
    try:
        with reading(), force_locale(locale):
            user = db.session.get(User, user_id)
            if user is None or not user.is_active or user.role not in _KINDS[kind_name].roles:
                raise ServiceError(_l("You may no longer make this export."))
            output = _KINDS[kind_name].produce(params, user, _reporter(job_id))
            suffix = "." + output.filename.rsplit(".", 1)[-1] if "." in output.filename else ""
            key, size = storage.save_chunks(output.chunks, suffix[:10])
            db.session.rollback()  # end the reading transaction
    except ServiceError as refused:
        error = str(refused.message)
    except Exception:
        log.exception("export job %s (%s) failed", job_id, kind_name)
        with force_locale(locale):
            error = str(_l("The export failed. Try again; if it fails again, tell the administrator."))
    db.session.rollback()
    job = db.session.get(Job, job_id)
    if job is None:  # its user was deleted meanwhile
        if key:
            storage.delete(key)
        return None
    finished = now()
    job.finished_at = finished
    job.expires_at = finished + ttl
    if error:
        job.move(JobState.FAILED)
        job.error = error[:200]
    else:
        job.move(JobState.DONE)
        job.file_key, job.filename, job.mimetype, job.size = key, output.filename[:200], output.mimetype, size
        job.done = job.total = max(job.total, job.done)
    db.session.commit()
    return job


def expire(storage: Storage, now: datetime | None = None) -> int:
    """Delete the files of jobs past their time and mark the jobs expired; a job still queued or
    running long after it was asked for (its worker was killed) is marked failed. Returns how
    many jobs expired."""
    now = now or utcnow()
    for stale in db.session.scalars(sa.select(Job).where(
            Job.state.in_((JobState.QUEUED, JobState.RUNNING)), Job.created_at <= now - STALE_AFTER)):
        with force_locale(stale.locale):
            stale.error = str(_l("The export was interrupted. Ask for it again."))
        stale.move(JobState.FAILED)
        stale.finished_at = now
        stale.expires_at = now + STALE_AFTER
    due = list(db.session.scalars(sa.select(Job).where(
        Job.state.in_((JobState.DONE, JobState.FAILED)), Job.expires_at <= now)))
    for job in due:
        if job.file_key:
            storage.delete(job.file_key)
        job.file_key = None
        job.move(JobState.EXPIRED)
    db.session.commit()
    return len(due)
