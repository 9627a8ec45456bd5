"""Work that runs in the background (an export too large to make within a request): its
state, progress and, once done, the file it produced in storage until it expires."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, enum_column, utcnow


class JobState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    EXPIRED = "expired"


JOB_TRANSITIONS: dict[JobState, frozenset[JobState]] = {
    # A worker that died mid-run leaves RUNNING; the queue may run the job again.
    JobState.QUEUED: frozenset({JobState.RUNNING, JobState.FAILED}),
    JobState.RUNNING: frozenset({JobState.RUNNING, JobState.DONE, JobState.FAILED}),
    JobState.DONE: frozenset({JobState.EXPIRED}),
    JobState.FAILED: frozenset({JobState.EXPIRED}),
    JobState.EXPIRED: frozenset(),
}


class JobInvalidTransition(Exception):
    """A job step its state does not allow."""


class Job(Base):
    """One background export, owned by the user who asked for it (only they see it)."""

    __tablename__ = "jobs"

    #: Random and unguessable: it appears in the address of the job's page and download.
    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    #: What the export was asked for with (its filters), as the kind reads them back.
    params: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: The user's language when they asked: labels and file name are in it.
    locale: Mapped[str] = mapped_column(sa.String(10))
    state: Mapped[JobState] = mapped_column(enum_column(JobState), default=JobState.QUEUED)
    #: Progress: ``done`` of ``total`` units (rows); total 0 while unknown.
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    #: Why it failed, in words for the user (details go to the log).
    error: Mapped[str] = mapped_column(sa.String(200), default="")
    file_key: Mapped[str | None] = mapped_column(sa.String(80))
    filename: Mapped[str] = mapped_column(sa.String(200), default="")
    mimetype: Mapped[str] = mapped_column(sa.String(100), default="")
    size: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    #: After this the file is deleted and the download answers "expired".
    expires_at: Mapped[datetime | None] = mapped_column(index=True)

    def move(self, to: JobState) -> JobState:
        """Change state if the table allows it; returns the previous state."""
        if to not in JOB_TRANSITIONS[self.state]:
            raise JobInvalidTransition(f"{self.state} -> {to}")
        previous, self.state = self.state, to
        return previous

    @property
    def percent(self) -> int | None:
        """Progress in whole per cent, None while the total is unknown."""
        if self.state == JobState.DONE:
            return 100
        if not self.total:
            return None
        return min(99, self.done * 100 // self.total)
