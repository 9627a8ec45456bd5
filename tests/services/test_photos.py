"""The photo pipeline (SECURITY.md §3, §6.14-6.17) on generated images and real phone photos."""

from __future__ import annotations

import io
import time

import pytest
from PIL import Image

from app.services import visits
from app.services.errors import ServiceError
from app.services.storage import FileStorage
from tests.photo_samples import (
    FIXTURES,
    encoded,
    jpeg_claiming,
    jpeg_orientation6_with_gps,
    png_claiming,
)


def stored(processed: visits.Processed) -> Image.Image:
    return Image.open(io.BytesIO(processed.image))


def assert_clean(image: Image.Image) -> None:
    assert image.format == "JPEG"
    assert dict(image.getexif()) == {}
    assert not {"exif", "icc_profile", "comment", "xmp", "photoshop"} & set(image.info)
    assert max(image.size) <= visits.LONG_EDGE


def test_orientation_applied_metadata_stripped_gps_kept_as_data() -> None:
    result = visits.process(io.BytesIO(jpeg_orientation6_with_gps()))
    image = stored(result)
    assert_clean(image)
    assert b"secret comment" not in result.image and b"PhoneMaker" not in result.image
    assert image.size == (300, 400)  # upright
    assert image.getpixel((150, 40))[0] > 200 and image.getpixel((150, 40))[1] < 60  # red is on top
    assert image.getpixel((150, 360)) == (255, 255, 255)
    assert (result.exif_latitude, result.exif_longitude) == (25.1378, 115.4074)
    thumb = Image.open(io.BytesIO(result.thumbnail))
    assert max(thumb.size) == 320 or max(thumb.size) <= 320
    assert_clean(thumb)
    assert len(result.sha256) == 64 and result.sha256 != result.original_sha256


def test_large_photo_is_downscaled() -> None:
    result = visits.process(io.BytesIO(encoded("JPEG", (4032, 3024))))
    assert (result.width, result.height) == (2048, 1536)


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_png_and_webp_are_accepted(fmt) -> None:
    result = visits.process(io.BytesIO(encoded(fmt, (64, 48), mode="RGBA")))
    assert_clean(stored(result))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"this is text named photo.jpg", "不是照片"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "不是照片"),
        (b"%PDF-1.4\n1 0 obj<<>>endobj\n", "不是照片"),
        (encoded("GIF"), "不是照片"),
        (encoded("BMP"), "不是照片"),
        (b"GIF89a" + b"\xff\xff\xff\xff" + b"\x00" * 20, "不是照片"),
        (encoded("JPEG", (800, 600))[:3000], "损坏"),  # truncated
        (png_claiming(20000, 20000), "过大"),
        (jpeg_claiming(10000, 6000), "过大"),  # a 60 MP JPEG header
        (b"\x89PNG\r\n\x1a\n" + encoded("JPEG"), "不是照片"),  # polyglot-ish
    ],
)
def test_refused_files(app, data, message) -> None:
    with app.test_request_context():
        started = time.perf_counter()
        with pytest.raises(visits.PhotoRejected) as caught:
            visits.process(io.BytesIO(data))
        assert time.perf_counter() - started < 2
        assert message in str(caught.value.message)


def fixture(name: str) -> bytes:
    path = FIXTURES / name
    if not path.exists():
        pytest.skip(f"{path} is absent (../shared/fixtures/photos comes with the team's machines)")
    return path.read_bytes()


@pytest.mark.parametrize("name", ["nokia83-phone.jpg", "jolla-phone.jpg", "nikon-gps.jpg",
                                  "portrait-orientation6.jpg", "invalid-exif.jpg", "iphone13promax.heic"])
def test_real_phone_photos(name) -> None:
    original = Image.open(io.BytesIO(fixture(name)))
    orientation = original.getexif().get(0x0112, 1)
    result = visits.process(io.BytesIO(fixture(name)))
    image = stored(result)
    assert_clean(image)
    width, height = original.size
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    assert (image.width >= image.height) == (width >= height)  # upright as displayed


def test_real_gps_photo_keeps_position_as_data() -> None:
    result = visits.process(io.BytesIO(fixture("nikon-gps.jpg")))
    assert result.exif_latitude is not None and result.exif_longitude is not None


def test_real_corrupted_photo(app) -> None:
    """corrupted.jpg's damage is in its Olympus maker-note EXIF: every pixel decodes.

    The pipeline must not crash on it; it keeps the picture and drops the broken metadata.
    The same file cut in half (a real truncation) is refused with a message.
    """
    data = fixture("corrupted.jpg")
    assert_clean(stored(visits.process(io.BytesIO(data))))
    with app.test_request_context():
        with pytest.raises(visits.PhotoRejected) as caught:
            visits.process(io.BytesIO(data[: len(data) // 2]))
        assert "损坏" in str(caught.value.message)


def test_storage_saves_atomically_and_refuses_traversal(tmp_path) -> None:
    storage = FileStorage(tmp_path / "uploads")
    key = storage.save(b"abc")
    assert storage.open(key).read() == b"abc"
    assert storage.keys() == [key]
    for bad in ("../secret_key", "/etc/passwd", "ab/../../x", ""):
        with pytest.raises(KeyError):
            storage.open(bad)
    storage.delete(key)
    storage.delete(key)  # twice is fine
    assert storage.keys() == []
    assert not list((tmp_path / "uploads").rglob(".tmp-*"))


def test_upload_fields() -> None:
    upload = visits.parse_upload("6F1E0C2A-7B3D-4E8F-9A1B-2C3D4E5F6A7B", "notice_photo", "1795640106587")
    assert upload.photo_uuid == "6f1e0c2a-7b3d-4e8f-9a1b-2c3d4e5f6a7b"
    assert upload.taken_at.year == 2026
    for args in (("nope", None, None), ("6f1e0c2a-7b3d-4e8f-9a1b-2c3d4e5f6a7b", "../x", None),
                 ("6f1e0c2a-7b3d-4e8f-9a1b-2c3d4e5f6a7b", None, "yesterday")):
        with pytest.raises(ServiceError):
            visits.parse_upload(*args)
