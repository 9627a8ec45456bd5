"""Static files as a phone on 4G wants them.

Scripts and stylesheets are sent minified: comments and layout whitespace removed (rjsmin and
rcssmin), once per file and process, under the same addresses — so pages, the service worker's
list and the offline cache need not know. The phone's checklist weighs a quarter less.

Every address ``url_for`` makes for a static file names the file's version (``?v=``, from its
content), and a file asked for with its current version may be kept a year unasked
(``immutable``): a page no longer costs a phone one revalidation per stylesheet and script, nor
the server those requests. An edited file gets a new address; an old or missing version is
answered with the current file, to be revalidated every time, as before.
"""

from __future__ import annotations

import hashlib
import io
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

import rcssmin
import rjsmin
from flask import Response, request, send_file
from werkzeug.security import safe_join

from app.json_provider import CompactJSONProvider
from app.url_cache import CachedUrls

MINIFIERS = {".js": (rjsmin.jsmin, "text/javascript"), ".css": (rcssmin.cssmin, "text/css")}
#: How long a browser may keep a file asked for with its current version.
VERSIONED_MAX_AGE = 365 * 24 * 3600


@dataclass(frozen=True)
class Minified:
    data: bytes
    etag: str
    modified: datetime
    mimetype: str


@lru_cache(maxsize=64)
def _minified(path: str, mtime_ns: int, size: int) -> Minified:
    """The minified file; keyed by modification time and size, so an edited file is read again."""
    minify, mimetype = MINIFIERS[Path(path).suffix]
    data = minify(Path(path).read_text(encoding="utf-8")).encode("utf-8")
    return Minified(data, hashlib.sha256(data).hexdigest()[:32], datetime.fromtimestamp(mtime_ns / 1e9, UTC),
                    mimetype)


def _file(folder: str, filename: str) -> tuple[str, int, int] | None:
    """``filename`` under ``folder`` as (path, modification time, size), the key of what is
    worked out once per file version; None outside the folder or when there is no such file."""
    path = safe_join(folder, filename)
    if path is None:
        return None
    try:
        stat = Path(path).stat()
    except OSError:
        return None
    return path, stat.st_mtime_ns, stat.st_size


def minified(folder: str, filename: str) -> Minified | None:
    """``filename`` under ``folder`` minified, or None (not a script or stylesheet, or no such file)."""
    if Path(filename).suffix not in MINIFIERS:
        return None
    found = _file(folder, filename)
    return _minified(*found) if found is not None else None


@lru_cache(maxsize=256)
def _version(path: str, mtime_ns: int, size: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:8]


#: How long a file's version is trusted before its modification time is looked at again.
RECHECK_SECONDS = 1.0
#: (folder, file name) -> (when it was looked at, its version): only files that exist.
_checked: dict[tuple[str, str], tuple[float, str]] = {}


def version(folder: str, filename: str) -> str | None:
    """The version of ``filename`` under ``folder``: the start of its content's SHA-256, read
    again when the file changes (seen within RECHECK_SECONDS: a page names six files, and
    looking at each on disk every time cost it 30 µs); None when there is no such file."""
    key, now = (folder, filename), time.monotonic()
    known = _checked.get(key)
    if known is not None and now - known[0] < RECHECK_SECONDS:
        return known[1]
    found = _file(folder, filename)
    if found is None:
        return None
    current = _version(*found)
    _checked[key] = (now, current)
    return current


class RuwoFlask(CachedUrls):
    """Flask, whose static files have versioned addresses and are sent minified (scripts and
    stylesheets, ``MINIFY_STATIC``), whose JSON is compact and whose addresses are built once
    (``CachedUrls``)."""

    json_provider_class = CompactJSONProvider

    def inject_url_defaults(self, endpoint: str, values: dict) -> None:  # type: ignore[type-arg]
        super().inject_url_defaults(endpoint, values)
        if endpoint == "static" and "v" not in values and self.static_folder and "filename" in values:
            current = version(self.static_folder, values["filename"])
            if current is not None:
                values["v"] = current

    def get_send_file_max_age(self, filename: str | None) -> int | None:
        if self._current_version_asked(filename):
            return VERSIONED_MAX_AGE
        return super().get_send_file_max_age(filename)

    def _current_version_asked(self, filename: str | None) -> bool:
        asked = request.args.get("v")
        return bool(asked and filename and self.static_folder and asked == version(self.static_folder, filename))

    def send_static_file(self, filename: str) -> Response:
        found = minified(self.static_folder, filename) \
            if self.config.get("MINIFY_STATIC") and self.static_folder else None
        if found is None:
            response = super().send_static_file(filename)
        else:
            response = send_file(io.BytesIO(found.data), mimetype=found.mimetype, etag=found.etag,
                                 last_modified=found.modified, max_age=self.get_send_file_max_age(filename),
                                 conditional=True)
        if response.cache_control.max_age == VERSIONED_MAX_AGE:
            response.cache_control.immutable = True
        return response
