"""Photos of a 通报's cases: small JPEGs made afresh from the stored copies, so that nothing but
pixels reaches a unit (no EXIF, no ICC profile, no comment, no time).

Only the photos of the visits behind a case are used, at most ``PER_CASE`` of them; a stored
file that has gone missing or cannot be read is left out (a document is never refused for it).
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterable
from typing import BinaryIO, Protocol

from PIL import Image, UnidentifiedImageError

from app.models import Photo
from app.services.reports.parts import Thumbnail

#: Photos per case, and the longest side of a thumbnail in pixels (5.5 cm at about 300 dpi).
PER_CASE = 3
EDGE = 640
QUALITY = 80
#: Photos larger than this are not decoded (the stored copies are at most 2048 px).
MAX_PIXELS = 50_000_000


class PhotoFiles(Protocol):
    """Where stored photo files are read from (``storage.Storage``)."""

    def open(self, key: str) -> BinaryIO: ...


def thumbnail(data: bytes) -> Thumbnail | None:
    """A JPEG of at most EDGE px re-encoded from ``data`` without any metadata; None when
    ``data`` is not an image Pillow can read."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image: Image.Image = Image.open(io.BytesIO(data))
            if image.width * image.height > MAX_PIXELS:
                return None
            if image.format == "JPEG":
                image.draft("RGB", (EDGE, EDGE))  # decode at a reduced scale: much faster
            image = image.convert("RGB")
            image.thumbnail((EDGE, EDGE), Image.Resampling.BICUBIC, reducing_gap=2.0)
        except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning, OSError,
                SyntaxError, ValueError):
            return None
    out = io.BytesIO()
    # A new image from the pixels alone: no info dict, hence no EXIF, ICC profile or comment.
    clean = Image.new("RGB", image.size)
    clean.paste(image)
    clean.save(out, "JPEG", quality=QUALITY, optimize=True)
    return Thumbnail(out.getvalue(), clean.width, clean.height)


class Thumbnails:
    """Thumbnails of stored photos, each made once per document (a visit behind several cases
    shows the same photos)."""

    def __init__(self, files: PhotoFiles | None) -> None:
        self.files = files
        self._made: dict[int, Thumbnail | None] = {}

    def _one(self, photo: Photo) -> Thumbnail | None:
        if photo.id not in self._made:
            made = None
            if self.files is not None:
                try:
                    with self.files.open(photo.storage_key) as fh:
                        made = thumbnail(fh.read())
                except (KeyError, OSError):
                    made = None  # the file is gone: the case is shown without it
            self._made[photo.id] = made
        return self._made[photo.id]

    def of(self, photos: Iterable[Photo], limit: int = PER_CASE) -> tuple[Thumbnail, ...]:
        """The first ``limit`` of ``photos`` that can be read, each photo once."""
        out: list[Thumbnail] = []
        seen: set[int] = set()
        for photo in photos:
            if len(out) >= limit:
                break
            if photo.id in seen:
                continue
            seen.add(photo.id)
            made = self._one(photo)
            if made is not None:
                out.append(made)
        return tuple(out)
