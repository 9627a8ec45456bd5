"""Language choice: Chinese unless the user chose English. Accept-Language is ignored."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g, has_request_context, request
from flask_babel import get_locale, get_translations
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


def request_translations() -> Any:
    """The translations of the current locale, looked up once per locale and request: templates
    call gettext dozens of times a page, and Flask-Babel resolves the locale and its catalogue
    on every call. Keyed by the locale object, so ``force_locale`` (documents in Chinese inside
    an English request) still gets its own."""
    locale = get_locale()
    cached = g.get("_ruwo_translations")
    if cached is None or cached[0] is not locale:
        cached = g._ruwo_translations = (locale, get_translations())
    return cached[1]


def install_template_gettext(app: Flask) -> None:
    """Templates' ``_``/``gettext``/``ngettext`` through ``request_translations`` (Flask-Babel
    installs the same callables without the per-request lookup)."""
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: request_translations().ugettext(s),
        ngettext=lambda s, p, n: request_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: request_translations().unpgettext(c, s, p, n),
    )
