"""Domain errors that views turn into form errors, flash messages or JSON answers.

Each carries the HTTP status it answers with, so the JSON API answers every one through one
handler (app/main/errors.py).
"""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """A rule refused the change; ``message`` is for the user (already translated or lazy)."""

    status = 400

    def __init__(self, message: object, *, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field

    def details(self) -> dict[str, Any]:
        """What a JSON answer carries besides the status and the message."""
        return {"field": self.field}


class NotFound(ServiceError):
    """No such object for this user (another's looks the same: not found)."""

    status = 404


class Conflict(ServiceError):
    """The object is no longer in a state that allows the change."""

    status = 409
