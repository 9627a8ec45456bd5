"""Files the app hands out: the right type, a name in the user's language, never cached."""

from __future__ import annotations

from io import BytesIO

from flask import send_file
from werkzeug.wrappers import Response

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_download(content: bytes, filename: str) -> Response:
    """An .xlsx attachment (the name may be Chinese: sent as RFC 5987 ``filename*``)."""
    response = send_file(BytesIO(content), mimetype=XLSX, as_attachment=True, download_name=filename,
                         max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response
