"""整改通知 and 通报 as PDF, with WeasyPrint: the same parts as the .docx, laid out by
``templates/reports/gongwen.html`` with print CSS in 公文 layout, fonts embedded.

WeasyPrint needs pango; where it (or WeasyPrint) cannot be loaded, ``available()`` says so once
and the routes answer 503. Nothing is fetched: the template has no external resources and the
URL fetcher allows no protocol. Metadata: the title and the office only; no clock time.
"""

from __future__ import annotations

from functools import cache

from flask import render_template
from PIL import ImageFile

from app.services.reports.parts import Parts


@cache
def available() -> bool:
    """Whether WeasyPrint and pango load on this server (checked once). Importing WeasyPrint
    makes Pillow accept truncated images for the whole process; photo uploads must still refuse
    them, so the setting is put back."""
    truncated = ImageFile.LOAD_TRUNCATED_IMAGES
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):
        return False
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = truncated
    return True


def render(parts: Parts) -> bytes:
    """The PDF of a document's parts."""
    if not available():
        raise RuntimeError("WeasyPrint cannot be loaded")
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    html = render_template("reports/gongwen.html", parts=parts)
    document = HTML(string=html, base_url=None, url_fetcher=URLFetcher(allowed_protocols=()))
    return document.write_pdf()
