"""JSON as Ruwo writes it: no space after separators, in responses and inside pages (``tojson``)
alike — the phone's pages are weighed in bytes, and the checklist's data is a kilobyte."""

from __future__ import annotations

from typing import Any

from flask.json.provider import DefaultJSONProvider


class CompactJSONProvider(DefaultJSONProvider):
    """Flask's JSON, with ``,`` and ``:`` as separators unless a caller asks otherwise."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        kwargs.setdefault("separators", (",", ":"))
        return super().dumps(obj, **kwargs)
