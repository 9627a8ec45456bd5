"""The per-visit figures the dashboard aggregates, kept on the visit when it is submitted.

Storing them as plain integer columns lets every dashboard figure be one SQL aggregate on
SQLite and PostgreSQL alike, instead of reading JSON answers or timer marks in the query.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.models import Visit

#: The checklist questions the figures come from (surveys/window-visit.yaml).
TRIPS_KEY = "trips_required"
ATTITUDE_KEY = "attitude_score"


def whole_number(value: Any) -> int | None:
    """``value`` as an int when it is a whole number (not a bool), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value) if float(value).is_integer() else None


def record(visit: Visit, answers: Mapping[str, Any]) -> None:
    """Set the visit's wait (minutes, from the timer marks), trips and attitude score."""
    visit.wait_min = visit.wait_minutes
    visit.trips = whole_number(answers.get(TRIPS_KEY))
    visit.attitude = whole_number(answers.get(ATTITUDE_KEY))
