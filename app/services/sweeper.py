"""Sweeping the file stores (a folder or a bucket): temporary files and unfinished multipart uploads
a killed process left, and files no row refers to.

A photo is written before its row is committed (and deleted if the commit fails); a process
killed between the two leaves a file without a row, or a ``.tmp-`` file from an unfinished
write. The sweeper removes both once they are older than a grace period (an upload in progress
is younger), and never a file whose row is committed: the files are listed first, then the rows
are read, so a file committed meanwhile is found in the rows.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa

from app.extensions import db
from app.models import Evidence, Job, Photo
from app.services.storage import Storage

#: Files younger than this are left alone (an upload or an export may be writing them).
GRACE = timedelta(hours=1)
#: The columns that hold the keys of files in each store.
PHOTO_KEYS = (Photo.storage_key, Photo.thumbnail_key, Evidence.storage_key, Evidence.thumbnail_key)
EXPORT_KEYS = (Job.file_key,)


@dataclass
class SweepReport:
    temporary: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{len(self.temporary)} temporary files and {len(self.orphans)} files without a row removed"


def _referenced(columns: tuple[sa.orm.InstrumentedAttribute, ...]) -> set[str]:
    keys: set[str] = set()
    for column in columns:
        keys.update(k for k in db.session.scalars(sa.select(column).where(column.is_not(None))) if k)
    return keys


def sweep(storage: Storage, columns: tuple[sa.orm.InstrumentedAttribute, ...], grace: timedelta = GRACE,
          now: float | None = None) -> SweepReport:
    """Remove old unfinished writes and old files that no row of ``columns`` names. A file's age
    is its modification time in a folder, its LastModified in a bucket (an unfinished multipart
    upload: when it was started)."""
    report = SweepReport()
    cutoff = (now if now is not None else time.time()) - grace.total_seconds()
    entries = storage.entries()
    referenced = _referenced(columns)  # read after listing: a file committed meanwhile is kept
    for entry in entries:
        if entry.modified >= cutoff:
            continue
        if entry.temporary:
            storage.discard(entry)
            report.temporary.append(entry.key)
        elif entry.key not in referenced:
            storage.discard(entry)
            report.orphans.append(entry.key)
    return report  # folders stay: a write may be about to use one
