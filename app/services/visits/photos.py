"""Photos on visits: checked, made safe and small (``imaging``) and kept, the files before the
row and no write lock held meanwhile; who may see them; purged after the retention period."""

from __future__ import annotations

import uuid as uuid_module
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import BinaryIO

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.database import writing
from app.extensions import db
from app.models import Photo, Role, User, Visit
from app.models.base import utcnow
from app.services import audit, checklists
from app.services.errors import ServiceError
from app.services.storage import Storage
from app.services.visits import drafting
from app.services.visits.imaging import PhotoRejected, Processed, process
from app.services.visits.payload import YEARS

MAX_PHOTOS_PER_VISIT = 10


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


def _checked(inspector_id: int, visit_uuid: str, upload: PhotoUpload, *, again: bool) -> tuple[Visit, Photo | None]:
    """The inspector's visit, if a photo may be added to it: editable, a question that takes
    photos, room left; with the photo itself if this upload arrived before (idempotent by its
    UUID). ``again``: the second check, just before the insert — the visit row is locked
    (PostgreSQL) while the photos are counted, and the question, which cannot change, is not
    looked at twice."""
    visit = drafting.find(visit_uuid, inspector_id, lock=again)
    if visit is None:
        raise drafting.VisitNotFound("no such visit")
    existing = db.session.scalar(_PHOTO_BY_UUID, {"uuid": upload.photo_uuid})
    if existing is not None:
        if existing.visit_id != visit.id:
            raise drafting.VisitConflict("this photo belongs to another visit")
        return visit, existing
    if not visit.editable:
        raise drafting.VisitConflict(_l("This visit has been submitted and can no longer change."))
    if upload.question_key is not None and not again:
        question = checklists.stored_template(visit.survey_version).question(upload.question_key)
        if question is None or not question.kind.photos:
            raise ServiceError("no photo question has this key", field="question_key")
    count = db.session.scalar(_PHOTO_COUNT, {"visit_id": visit.id}) or 0
    if count >= MAX_PHOTOS_PER_VISIT:
        raise PhotoRejected(_l("A visit has at most %(n)d photos.", n=MAX_PHOTOS_PER_VISIT))
    return visit, None


#: Built once: both checks of every upload run them.
_PHOTO_BY_UUID = sa.select(Photo).where(Photo.uuid == sa.bindparam("uuid"))
_PHOTO_COUNT = sa.select(sa.func.count()).select_from(Photo).where(Photo.visit_id == sa.bindparam("visit_id"))


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


@dataclass(frozen=True)
class StoredPhoto:
    """What the phone is told about a stored photo (read before the commit expires the row)."""

    uuid: str
    question_key: str | None
    width: int
    height: int
    repeated: bool

    @classmethod
    def of(cls, photo: Photo, *, repeated: bool) -> StoredPhoto:
        return cls(photo.uuid, photo.question_key, photo.width, photo.height, repeated)


def store_photo(inspector: User, visit_uuid: str, upload: PhotoUpload, stream: BinaryIO,
                storage: Storage) -> StoredPhoto:
    """Check, process, store and commit a photo as one unit of work, holding no write lock while
    the photo is worked on: the checks run, their transaction ends, the image is decoded,
    turned, resized and encoded and its files written, and only then a short transaction
    checks again and inserts the row. The files are deleted again when that fails; when the
    same photo arrived twice at once the first one is kept (``repeated``)."""
    inspector_id = inspector.id  # read before the rollback expires the user
    _visit, existing = _checked(inspector_id, visit_uuid, upload, again=False)
    if existing is not None:
        return StoredPhoto.of(existing, repeated=True)
    db.session.rollback()  # end the checks' transaction: SQLite's write lock stays free meanwhile
    processed = process(stream)
    keys = _saved(processed, storage)
    with writing():  # the write lock up front, also in a view whose first transaction only read
        try:
            visit, existing = _checked(inspector_id, visit_uuid, upload, again=True)
        except BaseException:
            db.session.rollback()
            _delete_files(storage, list(keys))
            raise
        if existing is not None:  # the same photo arrived meanwhile
            stored = StoredPhoto.of(existing, repeated=True)
            db.session.rollback()
            _delete_files(storage, list(keys))
            return stored
        photo = _attach(visit, upload, processed, storage, keys)
        stored = StoredPhoto.of(photo, repeated=False)
        try:
            db.session.commit()
        except sa.exc.IntegrityError:
            db.session.rollback()
            _delete_files(storage, list(keys))
            first = db.session.scalar(_PHOTO_BY_UUID, {"uuid": upload.photo_uuid})
            if first is None:
                raise
            return StoredPhoto.of(first, repeated=True)
        except BaseException:
            db.session.rollback()
            _delete_files(storage, list(keys))
            raise
    return stored


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
