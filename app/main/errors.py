"""Error pages in the user's language; a 500 rolls the session back."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.extensions import db
from app.services.errors import ServiceError

log = logging.getLogger(__name__)

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood.")),
    409: (_l("Conflict"), _l("This can no longer be changed.")),
    422: (_l("Not accepted"), _l("Please correct what you sent.")),
    403: (_l("Not allowed"), _l("Your account may not open this page.")),
    404: (_l("Not found"), _l("There is nothing at this address.")),
    405: (_l("Not allowed"), _l("This page does not accept that kind of request.")),
    413: (_l("Too large"), _l("What you sent is larger than the app accepts. Send fewer or smaller files at a time.")),
    429: (_l("Too many requests"), _l("Please wait a moment and try again.")),
    503: (_l("Unavailable"), _l("This is not available on this server at the moment.")),
    500: (_l("Something went wrong"), _l("The error has been logged. Please try again.")),
}


def wants_json() -> bool:
    """Requests of the phone's JSON API get JSON errors, pages get pages."""
    return "/api/" in request.path


def back_url() -> str | None:
    """The page a refused form was sent from, when it is one of ours (for a link back to it)."""
    referrer = request.referrer or ""
    if request.method == "POST" and referrer.startswith(request.host_url):
        return referrer
    return None


def render_error(code: int, title: object = None, message: object = None,  # type: ignore[no-untyped-def]
                 reason: str = ""):
    """The error page (or JSON error) for ``code``."""
    default_title, default_message = MESSAGES.get(code, MESSAGES[500])
    if wants_json():
        return jsonify(error=code, reason=reason, message=str(message or default_message)), code
    return (
        render_template(
            "errors/error.html", code=code, title=title or default_title,
            message=message or default_message, back=back_url(),
        ),
        code,
    )


def handle_http(exc: HTTPException):  # type: ignore[no-untyped-def]
    """The page for ``exc``; a description given where it was raised is the message."""
    ours = not type(exc).__module__.startswith("werkzeug")
    own = exc.description if ours or exc.description != type(exc).description else None
    return render_error(exc.code or 500, message=own)


def handle_csrf(exc: CSRFError):  # type: ignore[no-untyped-def]
    # Why (missing, expired, not matching the session's), never the token itself.
    log.warning("CSRF refusal on %s %s: %s", request.method, request.path, exc.description)
    return render_error(
        400, _l("Page expired"), _l("This form has expired. Go back, reload the page and try again."), reason="csrf"
    )


def handle_service_error(exc: ServiceError):  # type: ignore[no-untyped-def]
    """A refusal no view handled itself: the JSON API's answer for every service error (with
    its status, message and details), the error page elsewhere. Nothing is kept."""
    db.session.rollback()
    if wants_json():
        return jsonify(error=exc.status, message=str(exc.message), **exc.details()), exc.status
    return render_error(exc.status, message=exc.message)


def handle_500(_exc: Exception):  # type: ignore[no-untyped-def]
    db.session.rollback()
    return render_error(500)


def register(app: Flask) -> None:
    """Install the handlers."""
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(ServiceError, handle_service_error)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(InternalServerError, handle_500)
