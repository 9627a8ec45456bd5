"""Photo work, before anything is written (SECURITY.md §3): only JPEG, PNG, WebP and HEIC are
opened (Pillow's other parsers stay unreachable), images over 50 MP are refused from their
header before decoding, EXIF orientation is applied, and the stored JPEG carries no metadata at
all. When the original file arrives (HEIC, or a phone that did not downscale), its EXIF
position and time are kept as data before they are stripped. Stored: ≤ 2048 px and a 320 px
thumbnail; a JPEG the phone already sized is re-encoded with its own tables, so the copy is no
larger.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import BinaryIO

from flask_babel import lazy_gettext as _l
from PIL import Image, JpegImagePlugin, UnidentifiedImageError
from pillow_heif import register_heif_opener

from app.services.errors import ServiceError

register_heif_opener()

FORMATS = ["JPEG", "PNG", "WEBP", "HEIF"]
MAX_PIXELS = 50_000_000
LONG_EDGE = 2048
THUMB_EDGE = 320
QUALITY = 85
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
            # Shrunk from a box-reduced copy (at least twice the thumbnail's size, as thumbnail()'s
            # reducing_gap does) rather than from a full copy of the photo: 12 MB less to copy.
            thumb = image.reduce(max(1, max(image.size) // (2 * THUMB_EDGE)))
            thumb.thumbnail((THUMB_EDGE, THUMB_EDGE), Image.Resampling.BICUBIC)
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
