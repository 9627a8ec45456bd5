"""Text that no database can store: NUL, and lone UTF-16 surrogates (JSON's "\\udfff")."""

from __future__ import annotations

import re
from typing import Any

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable(value: Any) -> bool:
    """Whether ``value`` (a string, or lists and dicts of them) holds text no database stores."""
    if isinstance(value, str):
        return UNSTORABLE.search(value) is not None
    if isinstance(value, dict):
        return any(unstorable(k) or unstorable(v) for k, v in value.items())
    if isinstance(value, list):
        return any(unstorable(v) for v in value)
    return False
