"""A 通报 with 30 cases and 30 photos: the time and size of the .docx and of the PDF.

The demo county with ``demo-scale`` visits; 30 of its issues are moved into one week (all others
found earlier), and each case's visit gets one photo, stored as the app stores uploads (≤ 2048 px,
re-encoded): real camera photos from ../shared/fixtures/photos when present, else photo-like
2048 px JPEGs made with Pillow. Prints the median of 3 runs for each format, and how long the
parts alone (queries and thumbnails) take.

    make bench-circular
    python bench/circular.py OUT_DIR     # also writes circular.docx and circular.pdf there
"""

from __future__ import annotations

import io
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from PIL import Image, ImageDraw, ImageFilter  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Finding, Issue, Occurrence, Photo  # noqa: E402
from app.services import demo, reports, scale, visits  # noqa: E402
from app.services.accounts import hasher_from_config  # noqa: E402
from app.services.reports import circulars  # noqa: E402
from config import TestingConfig  # noqa: E402

CASES = 30
FIXTURES = ROOT.parent / "shared" / "fixtures" / "photos"
REAL = ("nokia83-phone.jpg", "jolla-phone.jpg", "nikon-gps.jpg", "portrait-orientation6.jpg", "invalid-exif.jpg")
PERIOD = reports.Period(date(2026, 11, 2), date(2026, 11, 8))
TODAY = date(2026, 11, 28)


def made_up(n: int) -> bytes:
    """A photo-like 2048×1536 JPEG: gradient, shapes, blur and sensor noise."""
    rng = random.Random(n)
    image = Image.linear_gradient("L").resize((2048, 1536)).convert("RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(150):
        x, y, w, h = rng.randrange(2048), rng.randrange(1536), rng.randrange(30, 600), rng.randrange(30, 500)
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(
            (x, y, x + w, y + h), fill=tuple(rng.randrange(256) for _ in range(3)))
    image = Image.blend(image.filter(ImageFilter.GaussianBlur(2)),
                        Image.effect_noise((2048, 1536), 24).convert("RGB"), 0.12)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92)
    return out.getvalue()


def cropped(data: bytes, n: int) -> bytes:
    """The photo with a different tenth cut off for each ``n``, so that no two are the same file
    (a .docx stores identical pictures once, which would flatter its size)."""
    image = Image.open(io.BytesIO(data))
    exif = image.info.get("exif", b"")
    dx, dy = image.width // 10 * (n % 5) // 4, image.height // 10 * (n // 5 % 6) // 5
    out = io.BytesIO()
    image.crop((dx, dy, dx + image.width * 9 // 10, dy + image.height * 9 // 10)).save(
        out, "JPEG", quality=92, exif=exif)
    return out.getvalue()


def originals() -> tuple[str, list[bytes]]:
    """30 different photos as phones send them."""
    real = [FIXTURES / name for name in REAL if (FIXTURES / name).is_file()]
    if real:
        files = [p.read_bytes() for p in real]
        return (f"{len(real)} real camera photos from {FIXTURES}, each cut differently",
                [cropped(files[n % len(files)], n) for n in range(CASES)])
    return "photo-like 2048 px JPEGs made with Pillow", [made_up(n) for n in range(CASES)]


def prepare(storage) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    """Move 30 issues into PERIOD, every other one before it; one stored photo per case."""
    chosen = list(db.session.scalars(sa.select(Issue).order_by(Issue.id).limit(CASES)))
    if len(chosen) < CASES:
        raise SystemExit(f"only {len(chosen)} issues: generate more visits")
    db.session.execute(sa.update(Occurrence).values(observed_on=date(2025, 6, 1)))
    kind, sources = originals()
    stored = [visits.process(io.BytesIO(data)).image for data in sources]  # as uploads are stored
    for n, issue in enumerate(chosen):
        first = issue.occurrences[0]
        first.observed_on = date(2026, 11, 2 + n % 7)
        finding = db.session.get(Finding, first.finding_id)
        db.session.execute(sa.delete(Photo).where(Photo.visit_id == finding.visit_id))  # rows without files
        data = stored[n % len(stored)]
        key = storage.save(data)
        image = Image.open(io.BytesIO(data))
        db.session.add(Photo(uuid=str(uuid.uuid4()), visit_id=finding.visit_id, storage_key=key, thumbnail_key=key,
                             sha256="0" * 64, original_sha256="0" * 64, width=image.width, height=image.height,
                             bytes=len(data)))
    db.session.commit()
    return kind, statistics.mean(len(d) for d in stored)


def median(work) -> tuple[float, bytes]:  # type: ignore[no-untyped-def]
    times, result = [], b""
    for _n in range(3):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-circular-"))
    config = type("BenchConfig", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3",
                                                    "UPLOADS_PATH": str(folder / "uploads")})
    app = create_app(config, instance_path=folder / "instance", environ={})
    with app.app_context():
        db.drop_all()
        db.create_all()
        demo.seed("Bench-pass-2026", hasher_from_config(app.config), reset_passwords=False)
        scale.generate(600, seed=1, today=TODAY)
        db.session.commit()
    storage = app.extensions["ruwo_storage"]
    with app.test_request_context():
        kind, stored_size = prepare(storage)
        parts = circulars.period_parts(PERIOD, TODAY, storage)
        cases = parts.sections[0].cases
        shown = sum(len(c.photos) for c in cases)
        print(f"通报 of {PERIOD.start} to {PERIOD.end}: {len(cases)} cases, {shown} photos "
              f"({kind}; stored copies {stored_size / 1024:.0f} KiB on average)")
        gather, _parts = median(lambda: repr(circulars.period_parts(PERIOD, TODAY, storage)).encode())
        print(f"  parts (queries, thumbnails): {gather * 1000:6.0f} ms")
        docx_time, docx = median(lambda: reports.period_circular(PERIOD, TODAY, storage))
        print(f"  .docx: {docx_time * 1000:6.0f} ms, {len(docx) / 2**20:5.2f} MiB")
        out = Path(sys.argv[1]) if len(sys.argv) > 1 else None
        if out:
            (out / "circular.docx").write_bytes(docx)
        if reports.pdf_available():
            pdf_time, pdf = median(lambda: reports.period_circular_pdf(PERIOD, TODAY, storage))
            print(f"  PDF:   {pdf_time * 1000:6.0f} ms, {len(pdf) / 2**20:5.2f} MiB")
            if out:
                (out / "circular.pdf").write_bytes(pdf)
        else:
            print("  PDF:   WeasyPrint is not available here")


if __name__ == "__main__":
    main()
