"""Photos: made safe and small before they are kept (SECURITY.md §3).

Every upload is decoded and re-encoded: only JPEG, PNG, WebP and HEIC are opened (Pillow's
other parsers stay unreachable), images over 50 MP are refused from their header before
decoding, EXIF orientation is applied, and the stored JPEG carries no metadata at all. When
the original file arrives (HEIC, or a phone that did not downscale), its EXIF position and
time are kept as data before they are stripped. Stored: ≤ 2048 px and a 320 px thumbnail; a
JPEG the phone already sized is re-encoded with its own tables, so the copy is no larger.
"""

from __future__ import annotations

import hashlib
import io
import uuid as uuid_module
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import BinaryIO

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from PIL import Image, JpegImagePlugin, UnidentifiedImageError
from pillow_heif import register_heif_opener

from app.extensions import db
from app.models import Photo, Role, User, Visit
from app.models.base import utcnow
from app.services import audit, checklists
from app.services.errors import ServiceError
from app.services.storage import Storage
from app.services.visits import drafting
from app.services.visits.payload import YEARS

register_heif_opener()

FORMATS = ["JPEG", "PNG", "WEBP", "HEIF"]
MAX_PIXELS = 50_000_000
LONG_EDGE = 2048
THUMB_EDGE = 320
QUALITY = 85
MAX_PHOTOS_PER_VISIT = 10
_ORIENTATION = 0x0112
#: EXIF orientation -> the transposition that makes the picture upright (as exif_transpose does).
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_GPS_IFD = 0x8825
_EXIF_IFD = 0x8769
_DATETIME_ORIGINAL = 0x9003
_OFFSET_TIME_ORIGINAL = 0x9011


class PhotoRejected(ServiceError):
    """The file is not a photo Ruwo accepts; ``message`` says why, in the user's language."""


@dataclass(frozen=True)
class Processed:
    """The result of the pipeline, ready to store."""

    image: bytes
    thumbnail: bytes
    width: int
    height: int
    sha256: str
    original_sha256: str
    exif_latitude: float | None = None
    exif_longitude: float | None = None
    exif_taken_at: datetime | None = None


def _ratio(value: object) -> float:
    if isinstance(value, tuple) and len(value) == 2:
        return float(value[0]) / float(value[1])
    return float(value)  # type: ignore[arg-type]


def _gps(exif: Image.Exif) -> tuple[float | None, float | None]:
    """Decimal degrees from EXIF GPS tags (None when absent or malformed)."""
    try:
        gps = exif.get_ifd(_GPS_IFD)
        if not gps or 2 not in gps or 4 not in gps:
            return None, None
        lat = sum(_ratio(part) / 60**i for i, part in enumerate(gps[2]))
        lon = sum(_ratio(part) / 60**i for i, part in enumerate(gps[4]))
        if str(gps.get(1, "N")).upper().startswith("S"):
            lat = -lat
        if str(gps.get(3, "E")).upper().startswith("W"):
            lon = -lon
        if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
            return None, None
        return round(lat, 7), round(lon, 7)
    except (KeyError, TypeError, ValueError, ZeroDivisionError, AttributeError):
        return None, None


def _taken_at(exif: Image.Exif) -> datetime | None:
    """EXIF DateTimeOriginal as UTC (camera local time is taken as China time without an offset)."""
    try:
        sub = exif.get_ifd(_EXIF_IFD)
        text = str(sub.get(_DATETIME_ORIGINAL) or exif.get(0x0132) or "").strip("\x00 ")
        if not text:
            return None
        offset = str(sub.get(_OFFSET_TIME_ORIGINAL) or "+08:00").strip("\x00 ")
        local = datetime.strptime(text[:19] + offset[:6], "%Y:%m:%d %H:%M:%S%z")
        return local.astimezone(UTC)
    except (ValueError, TypeError, AttributeError, KeyError):
        return None


def _encode(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    # No exif, no icc_profile, and an explicitly empty comment: the file carries pixels only.
    image.save(out, "JPEG", quality=quality, comment=b"", optimize=False, progressive=False)
    return out.getvalue()


def _encode_like(image: Image.Image, qtables: object, sampling: int) -> bytes:
    """Re-encode with the upload's own quantisation tables and chroma subsampling (and optimised
    Huffman tables): the pixels stay as the phone encoded them (SSIM ≥ 0.999 on the fixtures)
    and the file is no larger than the upload — re-encoding a phone's quality-80 JPEG at 85
    would make it bigger for nothing."""
    out = io.BytesIO()
    image.save(out, "JPEG", qtables=qtables, subsampling=sampling, comment=b"", optimize=True, progressive=False)
    return out.getvalue()


def _stored(image: Image.Image, upload_size: int, like: tuple[object, int] | None) -> bytes:
    """The stored copy: a JPEG the phone already sized is re-encoded like the upload — kept when
    it is no larger than the upload (the usual case: one encode), else the smaller of it and an
    encode at QUALITY; any other photo at QUALITY."""
    if like is None:
        return _encode(image, QUALITY)
    kept = _encode_like(image, *like)
    if len(kept) <= upload_size:
        return kept
    plain = _encode(image, QUALITY)
    return min((kept, plain), key=len)


def process(stream: BinaryIO) -> Processed:
    """Run the pipeline on an uploaded file; raise PhotoRejected for anything unacceptable."""
    data = stream.read()
    original_sha256 = hashlib.sha256(data).hexdigest()
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image: Image.Image = Image.open(io.BytesIO(data), formats=FORMATS)
        except UnidentifiedImageError:
            raise PhotoRejected(_l("This file is not a photo (JPEG, PNG, WebP or HEIC).")) from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise PhotoRejected(_l("This image is too large.")) from None
        except (OSError, SyntaxError, ValueError):
            raise PhotoRejected(_l("This photo is damaged and cannot be read.")) from None
        width, height = image.size
        if width * height > MAX_PIXELS or width < 1 or height < 1:
            raise PhotoRejected(_l("This image is too large."))
        try:
            exif = image.getexif()
        except Exception:  # noqa: BLE001 - a malformed EXIF block must not stop the photo
            exif = Image.Exif()
        latitude, longitude = _gps(exif)
        taken_at = _taken_at(exif)
        orientation = exif.get(_ORIENTATION, 1)
        like = None
        if image.format == "JPEG" and max(width, height) <= LONG_EDGE and image.mode == "RGB":
            like = (image.quantization, JpegImagePlugin.get_sampling(image))  # type: ignore[attr-defined]
        try:
            scale = LONG_EDGE / max(width, height)
            if image.format == "JPEG" and scale < 1:
                # Decode at a reduced scale when the result is still at least the target size.
                image.draft("RGB", (max(1, round(width * scale)), max(1, round(height * scale))))
            if image.mode != "RGB":
                image = image.convert("RGB")
            if max(image.size) > LONG_EDGE:
                scale = LONG_EDGE / max(image.size)
                image = image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))),
                                     Image.Resampling.BICUBIC)
            # Turn it upright after shrinking: rotating 3 MP is cheaper than rotating 12 MP.
            if orientation in _TRANSPOSE:
                image = image.transpose(_TRANSPOSE[orientation])
            thumb = image.copy()
            thumb.thumbnail((THUMB_EDGE, THUMB_EDGE), Image.Resampling.BICUBIC, reducing_gap=2.0)
            stored = _stored(image, len(data), like)
            thumbnail = _encode(thumb, 80)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise PhotoRejected(_l("This image is too large.")) from None
        except (OSError, SyntaxError, ValueError, EOFError):
            raise PhotoRejected(_l("This photo is damaged and cannot be read.")) from None
    return Processed(
        image=stored, thumbnail=thumbnail, width=image.width, height=image.height,
        sha256=hashlib.sha256(stored).hexdigest(), original_sha256=original_sha256,
        exif_latitude=latitude, exif_longitude=longitude, exif_taken_at=taken_at,
    )


@dataclass(frozen=True)
class PhotoUpload:
    """What the phone sends with a photo."""

    photo_uuid: str
    question_key: str | None
    taken_at: datetime | None


def parse_upload(photo_uuid: str, question_key: str | None, taken_ms: str | None) -> PhotoUpload:
    """Check the form fields of an upload (ServiceError on nonsense)."""
    try:
        canonical = str(uuid_module.UUID(photo_uuid or ""))
    except ValueError:
        raise ServiceError("photo_uuid is not a UUID", field="photo_uuid") from None
    taken_at = None
    if taken_ms:
        try:
            taken_at = datetime.fromtimestamp(int(taken_ms) / 1000, UTC)
        except (ValueError, OverflowError, OSError):
            raise ServiceError("taken_at must be milliseconds since 1970", field="taken_at") from None
        if not YEARS[0] <= taken_at.year <= YEARS[1]:
            raise ServiceError("taken_at is not a time a phone took a photo", field="taken_at")
    key = (question_key or "").strip() or None
    if key is not None and (len(key) > 50 or not key.replace("_", "").isalnum()):
        raise ServiceError("bad question key", field="question_key")
    return PhotoUpload(photo_uuid=canonical, question_key=key, taken_at=taken_at)


def _checked(inspector: User, visit_uuid: str, upload: PhotoUpload, *, lock: bool) -> tuple[Visit, Photo | None]:
    """The inspector's visit, if a photo may be added to it: editable, a question that takes
    photos, room left; with the photo itself if this upload arrived before (idempotent by its
    UUID). ``lock``: count the photos under a row lock (PostgreSQL)."""
    visit = drafting.find(visit_uuid, inspector)
    if visit is None:
        raise drafting.VisitNotFound("no such visit")
    if lock:
        db.session.refresh(visit, with_for_update=True)
    existing = db.session.scalar(sa.select(Photo).where(Photo.uuid == upload.photo_uuid))
    if existing is not None:
        if existing.visit_id != visit.id:
            raise drafting.VisitConflict("this photo belongs to another visit")
        return visit, existing
    if not visit.editable:
        raise drafting.VisitConflict(_l("This visit has been submitted and can no longer change."))
    if upload.question_key is not None:
        question = checklists.stored_template(visit.survey_version).question(upload.question_key)
        if question is None or not question.kind.photos:
            raise ServiceError("no photo question has this key", field="question_key")
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Photo).where(Photo.visit_id == visit.id)) or 0
    if count >= MAX_PHOTOS_PER_VISIT:
        raise PhotoRejected(_l("A visit has at most %(n)d photos.", n=MAX_PHOTOS_PER_VISIT))
    return visit, None


def _saved(processed: Processed, storage: Storage) -> tuple[str, str]:
    image_key = storage.save(processed.image)
    try:
        return image_key, storage.save(processed.thumbnail)
    except BaseException:
        storage.delete(image_key)
        raise


def _attach(visit: Visit, upload: PhotoUpload, processed: Processed, storage: Storage,
            keys: tuple[str, str] | None = None) -> Photo:
    image_key, thumb_key = keys or _saved(processed, storage)
    photo = Photo(
        uuid=upload.photo_uuid, visit=visit, question_key=upload.question_key,
        storage_key=image_key, thumbnail_key=thumb_key, sha256=processed.sha256,
        original_sha256=processed.original_sha256, width=processed.width, height=processed.height,
        bytes=len(processed.image), taken_at=upload.taken_at, exif_taken_at=processed.exif_taken_at,
        exif_latitude=processed.exif_latitude, exif_longitude=processed.exif_longitude,
    )
    db.session.add(photo)
    return photo


def store_photo(inspector: User, visit_uuid: str, upload: PhotoUpload, stream: BinaryIO,
                storage: Storage) -> tuple[Photo, bool]:
    """Check, process, store and commit a photo as one unit of work, holding no write lock while
    the photo is worked on: the checks run, their transaction ends, the image is decoded,
    turned, resized and encoded and its files written, and only then a short transaction
    checks again and inserts the row. The files are deleted again when that fails; when the
    same photo arrived twice at once the first one is kept."""
    _visit, existing = _checked(inspector, visit_uuid, upload, lock=False)
    if existing is not None:
        return existing, True
    db.session.rollback()  # end the checks' transaction: SQLite's write lock stays free meanwhile
    processed = process(stream)
    keys = _saved(processed, storage)
    try:
        visit, existing = _checked(inspector, visit_uuid, upload, lock=True)
    except BaseException:
        db.session.rollback()
        _delete_files(storage, list(keys))
        raise
    if existing is not None:  # the same photo arrived meanwhile
        db.session.rollback()
        _delete_files(storage, list(keys))
        return existing, True
    photo = _attach(visit, upload, processed, storage, keys)
    try:
        db.session.commit()
    except sa.exc.IntegrityError:
        db.session.rollback()
        _delete_files(storage, photo.keys)
        first = db.session.scalar(sa.select(Photo).where(Photo.uuid == upload.photo_uuid))
        if first is None:
            raise
        return first, True
    except BaseException:
        db.session.rollback()
        _delete_files(storage, photo.keys)
        raise
    return photo, False


def _delete_files(storage: Storage, keys: list[str]) -> None:
    for key in keys:
        storage.delete(key)


def remove_photo(inspector: User, visit_uuid: str, photo_uuid: str) -> list[str]:
    """Remove a photo from a draft; returns the file keys to delete after the commit."""
    visit = drafting.find(visit_uuid, inspector)
    photo = db.session.scalar(sa.select(Photo).where(Photo.uuid == photo_uuid.lower()))
    if visit is None or photo is None or photo.visit_id != visit.id:
        raise drafting.VisitNotFound("no such photo")
    if not visit.editable:
        raise drafting.VisitConflict(_l("This visit has been submitted and can no longer change."))
    keys = photo.keys
    db.session.delete(photo)
    return keys


def visible_photo(photo_uuid: str, viewer: User) -> Photo | None:
    """The photo if ``viewer`` may see it, else None (the view answers 404 either way; also for
    a photo whose files the retention purge removed)."""
    photo = db.session.scalar(sa.select(Photo).where(Photo.uuid == photo_uuid.lower()))
    if photo is None or photo.purged_at is not None:
        return None
    if viewer.role in (Role.ADMIN, Role.LEADER):
        return photo
    if viewer.role is Role.INSPECTOR and photo.visit.inspector_id == viewer.id:
        return photo
    return None


def visit_photos(visit: Visit) -> list[Photo]:
    """A visit's photos in the order they were added."""
    return list(db.session.scalars(sa.select(Photo).where(Photo.visit_id == visit.id).order_by(Photo.id)))


@dataclass(frozen=True)
class PhotoPurge:
    """A retention purge: how many photos it marked, and the files to delete after the commit."""

    purged: int
    keys: list[str]


def purge_photos(older_than_days: int, storage: Storage, *, now: datetime | None = None,
                 actor_name: str = "cli") -> PhotoPurge:
    """Mark the visit photos added more than ``older_than_days`` ago as purged and audit it; the
    rows stay (with their SHA-256) so pages show that a photo was there. Returns the files to
    delete once the caller has committed: these photos' and any earlier purged photo's files
    still on disk (a purge cut short between its commit and its deletions is finished here)."""
    if older_than_days < 1:
        raise ValueError("older_than_days must be at least 1")
    now = now or utcnow()
    stale = (Photo.purged_at.is_(None), Photo.created_at < now - timedelta(days=older_than_days))
    first, last, count = db.session.execute(
        sa.select(sa.func.min(Photo.id), sa.func.max(Photo.id), sa.func.count()).where(*stale)).one()
    db.session.execute(sa.update(Photo).where(*stale).values(purged_at=now))  # one statement, however many
    which = f": ids {first}..{last}" if count else ""
    audit.record("photo.purge", actor_name=actor_name, object_type="photo",
                 detail=f"{count} photos older than {older_than_days} days{which}")
    db.session.flush()
    stored = set(storage.keys())  # files of purged photos already gone are left out
    keys = [key for pair in db.session.execute(
        sa.select(Photo.storage_key, Photo.thumbnail_key).where(Photo.purged_at.is_not(None)))
        for key in pair if key in stored]
    return PhotoPurge(count, keys)
