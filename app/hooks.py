"""Request hooks and template context shared by every page."""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_babel import get_locale
from flask_login import current_user
from werkzeug.wrappers import Response

from app.auth.session import SESSIONLESS
from app.models import Role, window_title
from app.services.reports.pdf import available as pdf_available


def template_context() -> dict[str, object]:
    """What the base layout needs: the language menu and the role names for navigation."""
    locale = str(get_locale())
    return {
        "languages": current_app.config["LANGUAGES"],
        "current_locale": locale,
        "html_lang": "zh-Hans" if locale == "zh_Hans" else locale,
        "Role": Role,
        "pdf_available": pdf_available,
    }


def no_store_when_signed_in(response: Response) -> Response:
    """Pages for a signed-in user are never cached (SECURITY.md §1, ASVS 14.3.2). Static files
    do not depend on the cookie: they say so, or a browser would fetch them again each time the
    sliding session's cookie is re-signed (about every minute)."""
    if request.endpoint in SESSIONLESS:
        return response
    if "no-store" not in response.headers.get("Cache-Control", "") and current_user.is_authenticated:
        response.headers["Cache-Control"] = "no-store"
    response.vary.add("Cookie")
    return response


def register(app: Flask) -> None:
    """Install the hooks."""
    app.context_processor(template_context)
    app.add_template_global(window_title)  # for lists of plain rows; objects have ``Window.title``
    app.after_request(no_store_when_signed_in)
