"""Domain errors that views turn into form errors or flash messages."""

from __future__ import annotations


class ServiceError(Exception):
    """A rule refused the change; ``message`` is for the user (already translated or lazy)."""

    def __init__(self, message: object, *, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field
