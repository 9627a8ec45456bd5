"""A phone with geolocation granted attaches a real photo to a visit; the stored copy is checked."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from PIL import Image
from playwright.sync_api import expect

from app.extensions import db
from app.models import Photo, Visit
from tests.browser.steps import on_visit_page, sign_in, start_company_setup_visit
from tests.photo_samples import FIXTURES

pytestmark = pytest.mark.browser


def big_phone_photo(tmp_path) -> tuple[str, int]:
    """A real phone photo when the shared fixtures are here, else a generated 12 MP one."""
    real = FIXTURES / "nokia83-phone.jpg"
    if real.exists():
        return str(real), real.stat().st_size
    path = tmp_path / "IMG_20261120_090000.jpg"
    image = Image.effect_noise((4032, 3024), 40).convert("RGB")
    exif = Image.Exif()
    exif[0x0112] = 6
    image.save(path, "JPEG", quality=92, exif=exif)
    return str(path), path.stat().st_size


def test_photo_and_position_from_the_phone(live_server, phone, seeded, tmp_path) -> None:
    page = phone.new_page()
    sign_in(page, live_server)
    start_company_setup_visit(page)
    page.get_by_role("button", name="记录位置").tap()
    expect(page.locator("[data-position-text]")).to_contain_text("±15")
    page.get_by_role("button", name="到达").tap()
    page.get_by_role("link", name="清单 ›").tap()
    page.wait_for_url(lambda url: "/checklist" in url)

    uploads: list[int] = []  # request body sizes, as the server receives them
    inner = seeded.wsgi_app

    def measure(environ, start_response):  # type: ignore[no-untyped-def]
        if environ["PATH_INFO"].endswith("/photos") and environ["REQUEST_METHOD"] == "POST":
            uploads.append(int(environ.get("CONTENT_LENGTH") or 0))
        return inner(environ, start_response)

    seeded.wsgi_app = measure
    path, original_size = big_phone_photo(tmp_path)
    page.locator("[data-photo-input='environment_photo']").set_input_files(path)
    tile = page.locator("[data-photo-list='environment_photo'] .photo")
    expect(tile).to_have_count(1)
    expect(tile.locator("img")).to_have_attribute("src", re.compile(r"/thumb\.jpg$"), timeout=30000)

    assert uploads and 0 < max(uploads) <= original_size / 4, (uploads, original_size)
    with seeded.app_context():
        photo = db.session.scalar(sa.select(Photo))
        visit = db.session.scalar(sa.select(Visit))
        assert photo.question_key == "environment_photo"
        assert max(photo.width, photo.height) <= 2048
        assert visit.accuracy_m == 15 and visit.distance_m < 300
        stored = seeded.extensions["ruwo_storage"].open(photo.storage_key).read()
    image = Image.open(io.BytesIO(stored))
    assert dict(image.getexif()) == {}
    assert max(image.size) <= 2048

    # Reopening the checklist shows the photo from the server; removing it removes it.
    page.reload()
    expect(page.locator("[data-photo-list='environment_photo'] img")).to_have_count(1)
    page.locator("[data-photo-list='environment_photo'] [data-photo-remove]").tap()
    expect(page.locator("[data-photo-list='environment_photo'] img")).to_have_count(0)
    with seeded.app_context():
        assert db.session.scalar(sa.select(Photo)) is None
    assert on_visit_page(page.url)
