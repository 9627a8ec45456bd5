"""Input that cannot be stored is refused in one place, before any view sees it.

PostgreSQL refuses a NUL byte in text and neither database can store a lone UTF-16 surrogate
(JSON's ``"\\udfff"``), so such values in the address, a form, a file name or a JSON body are
answered 400 with a message, and JSON bodies are bounded in size and depth before parsing.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask, current_app, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge

from app.services.text import UNSTORABLE, unstorable

_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


class UnstorableInput(BadRequest):
    description = _l("What you sent contains characters that cannot be stored (such as a NUL byte). "
                     "Remove them and try again.")


class JsonTooDeep(BadRequest):
    description = _l("What you sent is nested too deeply.")


class NotJson(BadRequest):
    description = _l("What you sent is not valid JSON.")


#: The bodies Werkzeug parses into ``request.form`` and ``request.files``.
_FORM_TYPES = frozenset({"multipart/form-data", "application/x-www-form-urlencoded"})


def _request_texts() -> list[str]:
    texts = [v for v in (request.view_args or {}).values() if isinstance(v, str)]
    for key, value in request.args.items(multi=True):
        texts += (key, value)
    if request.mimetype in _FORM_TYPES:  # no form machinery for the many GETs and JSON bodies
        for key, value in request.form.items(multi=True):
            texts += (key, value)
        texts += [f.filename or "" for f in request.files.values()]
    return texts


def refuse_unstorable_input() -> None:
    """before_request: 400 for a path, query, form field or file name no database can store."""
    if request.endpoint == "static":
        return
    if any(UNSTORABLE.search(text) for text in _request_texts()):
        raise UnstorableInput()


def json_depth(data: bytes) -> int:
    """How deeply arrays and objects nest in the JSON text ``data`` (strings ignored)."""
    brackets = _STRINGS.sub(b"", data).translate(None, _NOT_BRACKETS)
    depth = deepest = 0
    for byte in brackets:
        depth += 1 if byte in b"[{" else -1
        deepest = max(deepest, depth)
    return deepest


def json_body() -> Any:
    """The request's JSON body within JSON_MAX_BYTES and JSON_MAX_DEPTH, with storable text only.

    Raises 413 when larger, 400 when deeper, not JSON, or holding unstorable text.
    """
    limit = int(current_app.config["JSON_MAX_BYTES"])
    if request.content_length is not None and request.content_length > limit:
        raise RequestEntityTooLarge()
    data = request.get_data(cache=True)
    if len(data) > limit:
        raise RequestEntityTooLarge()
    if json_depth(data) > int(current_app.config["JSON_MAX_DEPTH"]):
        raise JsonTooDeep()
    try:
        value = json.loads(data)
    except (ValueError, RecursionError):
        raise NotJson() from None
    if unstorable(value):
        raise UnstorableInput()
    return value


def init_app(app: Flask) -> None:
    app.before_request(refuse_unstorable_input)
