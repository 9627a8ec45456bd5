"""Photos and page numbers in the 通报: each case shows thumbnails of the photos its visits took
(at most three, re-encoded without any metadata, a missing file left out), in the .docx and the
PDF; pages carry "— 1 —" at the foot. Read back with python-docx, Pillow and poppler."""

from __future__ import annotations

import io
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from docx import Document
from docx.oxml.ns import qn
from flask import current_app
from PIL import Image

from app.extensions import db
from app.models import Assignment, Photo, Visit
from app.services import reports
from app.services.reports import thumbnails
from app.services.reports.parts import Thumbnail
from tests.factories import submitted
from tests.test_official_documents import approved_visit
from tests.test_visit_views import client_for

#: What the stored files are made to carry, so that a leak would show.
SECRET = b"inspector1-secret-artist"


def jpeg(size: tuple[int, int] = (1600, 1200), colour: str = "steelblue") -> bytes:
    """A JPEG carrying EXIF (artist, time, camera) and a comment, as a careless copy might."""
    image = Image.new("RGB", size, colour)
    exif = Image.Exif()
    exif[0x013B] = SECRET.decode()  # Artist
    exif[0x0132] = "2026:11:20 09:03:27"  # DateTime
    exif[0x0110] = "RuwoPhone"  # Model
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, comment=SECRET)
    return out.getvalue()


def attach_photos(visit: Visit, count: int, *, missing: int = 0) -> list[Photo]:
    """``count`` stored photos on ``visit``, the first ``missing`` of them without a file."""
    storage = current_app.extensions["ruwo_storage"]
    made = []
    for n in range(count):
        data = jpeg(colour=("steelblue", "darkorange", "seagreen", "purple", "gold")[n % 5])
        key = f"zz/{uuid.uuid4().hex}.jpg" if n < missing else storage.save(data)
        made.append(Photo(uuid=str(uuid.uuid4()), visit=visit, question_key=None, storage_key=key,
                          thumbnail_key=key, sha256="0" * 64, original_sha256="0" * 64, width=1600, height=1200,
                          bytes=len(data)))
    db.session.add_all(made)
    db.session.flush()
    return made


def closed_campaign_with_photos(app, photos: int, missing: int = 0) -> tuple[object, int]:
    """A closed campaign whose one approved visit (two issues, say) took ``photos`` photos."""
    from tests.test_campaign_views import started_campaign

    leader = client_for(app, "leader")
    cid = started_campaign(app, leader)
    with app.app_context():
        visit = submitted({"attitude_score": 1, "rude_language": True})
        visit.assignment_id = db.session.scalar(sa.select(Assignment.id).where(Assignment.campaign_id == cid))
        attach_photos(visit, photos, missing=missing)
        assert approved_visit(visit) >= 1
    leader.post(f"/campaigns/{cid}/close")
    return leader, cid


def assert_clean(data: bytes, width_at_most: int = thumbnails.EDGE) -> None:
    """A JPEG with pixels only: no EXIF, no comment, no ICC profile, small."""
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG" and max(image.size) <= width_at_most
    assert not image.getexif() and not {"exif", "comment", "icc_profile"} & set(image.info)
    assert SECRET not in data and b"RuwoPhone" not in data and b"2026:11:20" not in data


def test_a_thumbnail_keeps_the_pixels_and_drops_every_metadata() -> None:
    made = thumbnails.thumbnail(jpeg((2048, 1536)))
    assert isinstance(made, Thumbnail) and (made.width, made.height) == (640, 480)
    assert_clean(made.jpeg)
    assert made.size_mm() == (48.0, 36.0)
    assert Thumbnail(b"", 480, 640).size_mm() == (36.0, 48.0)  # upright photos keep their proportions
    assert thumbnails.thumbnail(b"not a photo") is None
    assert thumbnails.thumbnail(jpeg()[:200]) is None  # cut short


def test_the_circular_docx_shows_three_clean_thumbnails_per_case_and_skips_a_missing_file(seeded) -> None:
    leader, cid = closed_campaign_with_photos(seeded, photos=5, missing=1)
    response = leader.get(f"/campaigns/{cid}/circular.docx")
    assert response.status_code == 200
    doc = Document(io.BytesIO(response.get_data()))
    cases = [i for i, p in enumerate(doc.paragraphs) if p.text.startswith("（") and "问题：" in p.text]
    assert cases
    for i in cases:
        row = doc.paragraphs[i + 1]
        pictures = row._p.findall(".//" + qn("pic:pic"))
        assert len(pictures) == thumbnails.PER_CASE  # the missing file is skipped, the next ones shown
    assert all(round(s.width.mm) <= 48 and round(s.height.mm) <= 48 for s in doc.inline_shapes)
    images = [p for p in doc.part.package.parts if p.partname.startswith("/word/media/")]
    assert images and len(images) <= thumbnails.PER_CASE  # the same photos are stored once
    for part in images:
        assert_clean(part.blob)
    assert SECRET not in response.get_data()


def test_a_case_without_readable_photos_is_shown_without_pictures(seeded) -> None:
    leader, cid = closed_campaign_with_photos(seeded, photos=2, missing=2)
    doc = Document(io.BytesIO(leader.get(f"/campaigns/{cid}/circular.docx").get_data()))
    assert len(doc.inline_shapes) == 0 and any("问题：" in p.text for p in doc.paragraphs)


def test_the_docx_numbers_its_pages_with_a_page_field_odd_right_even_left(seeded) -> None:
    leader, cid = closed_campaign_with_photos(seeded, photos=1)
    doc = Document(io.BytesIO(leader.get(f"/campaigns/{cid}/circular.docx").get_data()))
    assert doc.settings.odd_and_even_pages_header_footer
    section = doc.sections[0]
    for footer, side in ((section.footer, "right"), (section.even_page_footer, "left")):
        para = footer.paragraphs[0]
        codes = [t.text.strip() for t in para._p.iter(qn("w:instrText"))]
        assert codes == ["PAGE"] and para.text == "— 1 —"
        assert para.alignment is not None and side in str(para.alignment).lower()
        fonts = {r._element.rPr.rFonts.get(qn("w:eastAsia")) for r in para.runs}
        assert fonts == {"宋体"} and {r.font.size.pt for r in para.runs} == {14}
    assert all(s.footer.is_linked_to_previous for s in doc.sections[1:])  # the 附件 carries on


@pytest.fixture
def can_render() -> None:
    from tests.conftest import require

    require(reports.pdf_available(), "WeasyPrint and pango are needed to render PDFs")
    require(all(shutil.which(t) for t in ("pdftotext", "pdfimages")), "poppler-utils reads PDFs")


def test_the_circular_pdf_embeds_clean_thumbnails_and_numbers_its_pages(seeded, can_render, tmp_path: Path) -> None:
    leader, cid = closed_campaign_with_photos(seeded, photos=4, missing=1)
    response = leader.get(f"/campaigns/{cid}/circular.pdf")
    assert response.status_code == 200
    content = response.get_data()
    path = tmp_path / "circular.pdf"
    path.write_bytes(content)
    listed = subprocess.run(["pdfimages", "-list", str(path)], check=True, capture_output=True, text=True).stdout
    rows = [line.split() for line in listed.splitlines()[2:]]
    assert len({r[0] + r[1] for r in rows}) >= thumbnails.PER_CASE and all(r[2] == "image" for r in rows)
    subprocess.run(["pdfimages", "-j", str(path), str(tmp_path / "img")], check=True)
    extracted = sorted(tmp_path.glob("img-*.jpg"))
    assert extracted
    for image in extracted:
        assert_clean(image.read_bytes())
    assert SECRET not in content
    pages = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                           text=True).stdout.split("\f")
    assert "— 1 —" in pages[0] and "— 2 —" in pages[1]
    first, second = (next(line for line in p.splitlines() if "—" in line) for p in pages[:2])
    assert first.index("— 1 —") > second.index("— 2 —")  # odd pages right, even pages left


def test_the_pdf_fetches_nothing_but_its_own_photos(app) -> None:
    from app.services.reports import pdf
    from app.services.reports.parts import Case, Parts, Section

    if not pdf.available():
        pytest.skip("WeasyPrint is not available")
    thumb = thumbnails.thumbnail(jpeg())
    assert thumb is not None
    case = Case("（一）某窗口。", "问题：某问题。", (thumb, thumb))
    parts = Parts("办公室", "号", "标题", "各单位：", ("开头",), (Section("一、问题", cases=(case,)),), "附件：台账",
                  "办公室", "2026年11月28日", "台账", ("序号",), (("1",),))
    with app.test_request_context():
        content = pdf.render(parts)
    assert content.count(b"/Subtype /Image") == 1  # the same photo is embedded once
