"""Language choice: Chinese unless the user chose English. Accept-Language is ignored."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import Flask, current_app, g, has_request_context, request
from flask_babel import get_locale, get_translations
from flask_login import current_user
from jinja2.ext import Extension
from jinja2.lexer import Token, TokenStream
from markupsafe import Markup


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


class TranslatedStrings(dict[str, Markup]):
    """One catalogue's translations of templates' constant texts, each worked out once: what
    Jinja's new-style ``_("text")`` gives in an autoescaped template (the translation, trusted
    as markup, after ``%`` formatting with no variables, so ``%%`` is ``%``)."""

    def __init__(self, translations: Any) -> None:
        super().__init__()
        self.translations = translations

    def __missing__(self, text: str) -> Markup:
        value = self[text] = Markup(self.translations.ugettext(text)) % {}
        return value


#: Per catalogue (Flask-Babel keeps one object per language and folder for the process).
_strings: dict[int, tuple[Any, TranslatedStrings]] = {}


def translated_strings() -> TranslatedStrings:
    """The constant texts of the current locale (``force_locale`` included)."""
    translations = request_translations()
    known = _strings.get(id(translations))
    if known is None or known[0] is not translations:
        known = _strings[id(translations)] = (translations, TranslatedStrings(translations))
    return known[1]


class _CurrentStrings:
    """``_T`` where no template context supplies it (macros imported without context)."""

    def __getitem__(self, text: str) -> Markup:
        return translated_strings()[text]


class ConstantTexts(Extension):
    """Compiles ``_("text")`` (a constant text, no variables) to ``_T["text"]``: a dictionary
    lookup instead of Jinja's gettext call chain and a locale lookup on each of a page's 30–100
    texts (7 µs each, a tenth of a phone page's time). ``_T`` is the render's catalogue, from a
    context processor; texts with variables and ``ngettext`` go through gettext as before.
    Message extraction reads the sources, so it still finds every text."""

    PATTERN = (("name", "_"), ("lparen", None), ("string", None), ("rparen", None))

    def filter_stream(self, stream: TokenStream) -> Iterator[Token]:
        pending: list[Token] = []
        previous = ""
        for token in stream:
            pending.append(token)
            while pending and not self._prefix(pending, previous):
                previous = pending[0].type
                yield pending.pop(0)
            if len(pending) == len(self.PATTERN):
                name, _open, text, _close = pending
                yield Token(name.lineno, "name", "_T")
                yield Token(name.lineno, "lbracket", "[")
                yield text
                yield Token(name.lineno, "rbracket", "]")
                previous, pending = "rbracket", []
        yield from pending

    def _prefix(self, tokens: list[Token], previous: str) -> bool:
        if previous == "dot":  # ``obj._("x")`` is someone's method, not the gettext
            return False
        return all(token.type == kind and (value is None or token.value == value)
                   for token, (kind, value) in zip(tokens, self.PATTERN, strict=False))


def install_template_gettext(app: Flask) -> None:
    """Templates' ``_``/``gettext``/``ngettext`` through ``request_translations`` (Flask-Babel
    installs the same callables without the per-request lookup), and constant texts through
    ``ConstantTexts``."""
    app.jinja_env.add_extension(ConstantTexts)
    app.jinja_env.globals["_T"] = _CurrentStrings()
    app.context_processor(lambda: {"_T": translated_strings()})
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: request_translations().ugettext(s),
        ngettext=lambda s, p, n: request_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: request_translations().unpgettext(c, s, p, n),
    )
