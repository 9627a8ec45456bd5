"""整改通知 and 通报 as PDF, with WeasyPrint: the same parts as the .docx, laid out by
``templates/reports/gongwen.html`` with print CSS in 公文 layout, fonts embedded.

WeasyPrint needs pango; where it (or WeasyPrint) cannot be loaded, ``available()`` says so once
and the routes answer 503. Nothing is fetched: the template has no external resources, and the
URL fetcher allows no protocol (not even data:, which WeasyPrint would refuse with it); it
serves the cases' photos from memory under ``photo:N`` addresses and nothing else. Metadata:
the title and the office only; no clock time. Pages are numbered "— 1 —" at the foot, odd ones
on the right and even ones on the left.
"""

from __future__ import annotations

from functools import cache

from flask import render_template
from PIL import ImageFile

from app.services.reports.parts import Parts

#: The address scheme of the photos the fetcher serves from memory.
PHOTO_SCHEME = "photo"


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
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    addresses: dict[int, str] = {}  # id() of a photo's bytes -> its address (one per photo)
    served: dict[str, bytes] = {}
    for section in parts.sections:
        for case in section.cases:
            for thumb in case.photos:
                if id(thumb.jpeg) not in addresses:
                    addresses[id(thumb.jpeg)] = address = f"{PHOTO_SCHEME}:{len(served) + 1}"
                    served[address] = thumb.jpeg

    class InMemory(URLFetcher):
        """The photos above; any other address is refused (no protocol is allowed)."""

        def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
            if url in served:
                return URLFetcherResponse(url, served[url], {"Content-Type": "image/jpeg"})
            return super().fetch(url, headers)

    html = render_template("reports/gongwen.html", parts=parts, photo_address=lambda t: addresses[id(t.jpeg)])
    document = HTML(string=html, base_url=None, url_fetcher=InMemory(allowed_protocols=()))
    return document.write_pdf()
