"""The sweeper: a file without a row and a temporary file go once they are old; a committed
photo's files stay, and so does anything young (an upload may be writing it)."""

from __future__ import annotations

import os
import time
from datetime import timedelta

from app.services import sweeper
from tests.photo_samples import encoded
from tests.test_photo_views import inspector, upload  # noqa: F401 (fixture)


def age(path, hours: float) -> None:
    then = time.time() - hours * 3600
    os.utime(path, (then, then))


def test_orphans_and_temporary_files_go_committed_and_young_files_stay(seeded, inspector) -> None:  # noqa: F811
    assert upload(inspector, encoded("JPEG")).status_code == 201
    storage = seeded.extensions["ruwo_storage"]
    committed = storage.keys()
    assert len(committed) == 2
    orphan = storage.save(b"a photo whose row was never committed")
    young_orphan = storage.save(b"an upload still being committed")
    folder = storage.root / orphan[:2]
    temporary = folder / ".tmp-killed"
    temporary.write_bytes(b"half a photo")
    young_temporary = folder / ".tmp-writing"
    young_temporary.write_bytes(b"being written")
    for key in committed:
        age(storage.root / key, 48)
    age(storage.root / orphan, 2)
    age(temporary, 2)
    with seeded.app_context():
        report = sweeper.sweep(storage, sweeper.PHOTO_KEYS)
    assert report.orphans == [orphan] and report.temporary == [f"{orphan[:2]}/.tmp-killed"]
    assert sorted(storage.keys()) == sorted([*committed, young_orphan])
    assert young_temporary.exists() and not temporary.exists()
    with seeded.app_context():  # a second sweep finds nothing more
        again = sweeper.sweep(storage, sweeper.PHOTO_KEYS)
    assert again.orphans == [] and again.temporary == []
    with seeded.app_context():  # with no grace the young orphan goes too; committed files never
        last = sweeper.sweep(storage, sweeper.PHOTO_KEYS, grace=timedelta(0), now=time.time() + 1)
    assert last.orphans == [young_orphan] and sorted(storage.keys()) == sorted(committed)


def test_the_command_reports_what_it_removed(seeded) -> None:
    storage = seeded.extensions["ruwo_storage"]
    orphan = storage.save(b"left behind by a killed worker")
    age(storage.root / orphan, 2)
    output = seeded.test_cli_runner().invoke(args=["jobs", "sweep"]).output
    assert "photos: 0 temporary files and 1 files without a row removed" in output
    assert storage.keys() == []
