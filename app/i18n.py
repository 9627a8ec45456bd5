"""Language choice: Chinese unless the user chose English. Accept-Language is ignored."""

from __future__ import annotations

from flask import current_app, has_request_context, request
from flask_login import current_user


def supported(locale: str | None) -> bool:
    """Whether ``locale`` is one of the UI languages."""
    return bool(locale) and locale in current_app.config["LANGUAGES"]


def select_locale() -> str:
    """The user's saved choice, else the ``lang`` cookie (before login), else Chinese."""
    if has_request_context():
        if current_user.is_authenticated and supported(current_user.locale):
            return current_user.locale
        cookie = request.cookies.get(current_app.config["LANG_COOKIE"])
        if supported(cookie):
            return cookie  # type: ignore[return-value]
    return current_app.config["BABEL_DEFAULT_LOCALE"]
