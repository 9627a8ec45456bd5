"""Undoing registrations: question types and guide rules added for a while (tests, trials)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from app.services.checklists.guide_rules import GUIDE_RULES
from app.services.checklists.types import QUESTION_TYPES


@contextmanager
def temporary_registrations() -> Iterator[None]:
    """Question types and guide rules registered inside the block are removed when it ends.

    Templates validated inside the block may use them; a template stored then cannot be read
    again afterwards, so use it for what ends with the block (a test's database).
    """
    types, rules = dict(QUESTION_TYPES), dict(GUIDE_RULES)
    try:
        yield
    finally:
        QUESTION_TYPES.clear()
        QUESTION_TYPES.update(types)
        GUIDE_RULES.clear()
        GUIDE_RULES.update(rules)
