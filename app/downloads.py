"""Files the app hands out: the right type, a name in the user's language, never cached."""

from __future__ import annotations

import io
import os
from collections.abc import Iterable
from io import BytesIO
from tempfile import SpooledTemporaryFile
from typing import Any, BinaryIO

from flask import send_file
from werkzeug.wrappers import Response

from app.services.storage import Storage

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#: A CSV larger than this is spooled to a temporary file rather than kept in memory.
SPOOL_BYTES = 8 * 1024 * 1024


def xlsx_download(content: bytes, filename: str, mimetype: str = XLSX) -> Response:
    """An .xlsx attachment (the name may be Chinese: sent as RFC 5987 ``filename*``)."""
    response = send_file(BytesIO(content), mimetype=mimetype, as_attachment=True, download_name=filename,
                         max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response


def docx_download(content: bytes, filename: str) -> Response:
    """A .docx attachment, sent like an .xlsx one."""
    return xlsx_download(content, filename, DOCX)


def pdf_download(content: bytes, filename: str) -> Response:
    """A PDF attachment, sent like an .xlsx one."""
    return xlsx_download(content, filename, "application/pdf")


def chunks_download(chunks: Iterable[bytes], filename: str, mimetype: str) -> Response:
    """An attachment written from ``chunks`` into a spooled file (a large one goes to disk,
    memory stays flat), then sent."""
    spool = SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - send_file closes it
    for chunk in chunks:
        spool.write(chunk)
    spool.seek(0)
    response = send_file(spool, mimetype=mimetype, as_attachment=True, download_name=filename, max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response


def stored_download(storage: Storage, key: str, mimetype: str, filename: str, **options: Any) -> Response:
    """A file from ``storage`` (a folder or a bucket), streamed as it is read, with its length;
    KeyError when it is not there. ``options`` go to send_file (as_attachment, conditional…)."""
    stream = storage.open(key)
    response = send_file(stream, mimetype=mimetype, download_name=filename, max_age=0, **options)
    response.content_length = _size(stream)
    return response


def _size(stream: BinaryIO) -> int | None:
    try:
        return os.fstat(stream.fileno()).st_size
    except (OSError, AttributeError, io.UnsupportedOperation):
        return getattr(getattr(stream, "raw", None), "size", None)
