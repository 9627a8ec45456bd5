"""The job queue, on Huey: SQLite storage in instance/ by default — ``make run`` starts a worker
beside the server — and Redis in production (``RUWO_JOBS_URL=redis://…``). The queue carries
only a job's id; the job's state and progress live in the database, its file in storage, so any
app server shows progress and hands out the download.

Start a worker with ``flask --app wsgi jobs worker``. Tests run tasks at once (JOBS_IMMEDIATE).
Periodic work (expiring old files, and the reminders of later work) runs on the same workers.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import click
from flask import Flask, current_app, g, has_app_context
from flask.cli import AppGroup, with_appcontext
from huey import Huey, crontab
from huey.storage import MemoryStorage, SqliteStorage

from app.services import calendar, jobs, notifications, storage, sweeper

#: Bound to the app's settings by ``init_app``; tasks are registered on it at import.
huey = Huey("ruwo", results=False, storage_class=MemoryStorage, utc=True)
_app: Flask | None = None
log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    """Point the queue at the configured storage and register the commands."""
    global _app
    _app = app
    url = str(app.config.get("JOBS_URL") or "")
    if url.startswith(("redis://", "rediss://")):
        from huey.storage import RedisStorage

        storage_class, kwargs = RedisStorage, {"url": url}
    elif url == "memory":
        storage_class, kwargs = MemoryStorage, {}
    else:
        path = url.removeprefix("sqlite:///") or str(Path(app.instance_path) / "jobs.sqlite3")
        storage_class, kwargs = SqliteStorage, {"filename": path}
    huey.storage_class, huey.storage_kwargs = storage_class, kwargs
    huey.immediate = bool(app.config.get("JOBS_IMMEDIATE"))
    huey.storage = huey.create_storage()
    # The same choice of store as the photos' (a folder or a bucket), beside them.
    app.extensions["ruwo_exports"] = storage.from_config(app.config, Path(app.instance_path), "exports")
    app.cli.add_command(jobs_cli)
    app.cli.add_command(remind_command)


def _app_now() -> Flask:
    """The app a task runs for: the current one (tasks run at once in tests), else the worker's."""
    if has_app_context():
        return current_app._get_current_object()  # type: ignore[attr-defined]
    if _app is None:
        raise RuntimeError("the job queue is not bound to an app")
    return _app


def exports_storage(app: Flask) -> storage.Storage:
    """Where export files are kept."""
    return app.extensions["ruwo_exports"]


@contextlib.contextmanager
def _context(task: str) -> Iterator[Flask]:
    """A task's own app context (so its own database session), named in ``g`` — Flask-Babel's
    force_locale does nothing while ``g`` is empty, as it is in a fresh context."""
    app = _app_now()
    with app.app_context():
        g.task = task
        yield app


@huey.task()
def run_job(job_id: str) -> None:
    """Run one job."""
    with _context(f"job {job_id}") as app:
        jobs.run(job_id, exports_storage(app), timedelta(hours=app.config["EXPORT_TTL_HOURS"]))


def enqueue(job_id: str) -> None:
    """Queue a job whose row is committed."""
    run_job(job_id)


@huey.periodic_task(crontab(minute="*/15"))
def expire_exports() -> None:
    """Delete expired export files (every quarter of an hour), and sweep the file stores."""
    with _context("sweep") as app:
        sweep_files(app)


def sweep_files(app: Flask) -> str:
    """Expire old exports, then remove temporary files and files without a row from the photo
    and export stores; says what it removed."""
    expired = jobs.expire(exports_storage(app))
    photos = sweeper.sweep(app.extensions["ruwo_storage"], sweeper.PHOTO_KEYS)
    exports = sweeper.sweep(exports_storage(app), sweeper.EXPORT_KEYS)
    for report, where in ((photos, "photos"), (exports, "exports")):
        for key in report.temporary + report.orphans:
            log.info("swept %s/%s", where, key)
    return f"{expired} expired exports removed; photos: {photos}; exports: {exports}"


@huey.periodic_task(crontab(minute="5", hour="0"))
def remind_daily() -> None:
    """Reminders and the overdue ladder, every day at 08:05 China time (00:05 UTC)."""
    with _context("remind") as app:
        remind(app)


@huey.periodic_task(crontab(minute="*"))
def send_deliveries() -> None:
    """E-mails and WeCom posts that are due, every minute."""
    with _context("deliveries") as app:
        notifications.send_due(notifications.default_sender(app.config))


def remind(app: Flask) -> notifications.Summary:
    """Run the reminders and the ladder for China's today with the app's settings."""
    proposals = tuple(zip(app.config["ESCALATION_PROPOSALS"], (2, 3), ("issue.propose_talk", "issue.propose_circular"),
                          strict=False))
    return notifications.remind(calendar.china_today(), remind_before=int(app.config["REMIND_BEFORE_WORKING_DAYS"]),
                                proposals=proposals)


@click.group("jobs", cls=AppGroup)
def jobs_cli() -> None:
    """Background jobs: run a worker, expire old files."""


@jobs_cli.command("worker")
@click.option("--workers", default=2, show_default=True, help="Threads running jobs.")
def worker(workers: int) -> None:
    """Run jobs as they are queued, and the periodic ones, until stopped (Ctrl-C)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    app = _app_now()
    with app.app_context():
        swept = sweep_files(app)
        # Today's reminders now too (a worker down at 08:05 would miss a day; they run once anyway).
        steps = remind(app).taken
    taken = ", ".join(f"{k} {v}" for k, v in sorted(steps.items())) or "no reminders due"
    click.echo(f"jobs worker: {workers} threads; at start-up {swept}; {taken}")
    huey.create_consumer(workers=workers, worker_type="thread", periodic=True).run()


@jobs_cli.command("sweep")
def sweep() -> None:
    """Delete expired exports, temporary files and files without a row now; say what went."""
    click.echo(sweep_files(_app_now()))


@click.command("remind")
@with_appcontext
def remind_command() -> None:
    """Send today's reminders and take the overdue ladder's steps (for cron; the jobs worker
    also does it daily). Running it twice sends nothing twice."""
    summary = remind(_app_now())
    sent, failed = notifications.send_due(notifications.default_sender(_app_now().config))
    steps = ", ".join(f"{k} {v}" for k, v in sorted(summary.taken.items())) or "nothing due"
    click.echo(f"{steps}; {sent} messages sent, {failed} given up")
