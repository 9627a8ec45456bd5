"""The phone's draft: one JSON shape for autosave and submit, checked before anything is stored."""

from __future__ import annotations

import hashlib
import json
import uuid as uuid_module
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from app.models import MARKS, Verdict
from app.services.errors import ServiceError
from app.services.visits import verdicts

MAX_EXTRA_MATERIALS = 30
MAX_ID = 2**31 - 1
#: Times the phone sends must fall in these years.
YEARS = (2000, 2100)


@dataclass(frozen=True)
class VisitPayload:
    """What the phone sends: the whole draft."""

    uuid: str
    window_id: int
    service_item_id: int | None
    assignment_id: int | None
    marks: dict[str, datetime]
    answers: dict[str, Any]
    ticked_material_ids: tuple[int, ...]
    extra_materials: tuple[str, ...]
    #: (latitude, longitude, accuracy in metres, when) from the phone's geolocation, if taken.
    position: tuple[float, float, float | None, datetime | None] | None = None
    #: A re-visit's verdict per point it verifies (check id -> verdict).
    verdicts: dict[int, Verdict] = field(default_factory=dict)

    def digest(self, cleaned_answers: Mapping[str, Any]) -> str:
        """SHA-256 of the content (not of the JSON text), to compare two submits."""
        content = {
            "window_id": self.window_id, "service_item_id": self.service_item_id,
            "assignment_id": self.assignment_id,
            "marks": {k: v.astimezone(UTC).isoformat() for k, v in sorted(self.marks.items())},
            "answers": dict(cleaned_answers),
            "ticked": sorted(self.ticked_material_ids), "extra": list(self.extra_materials),
            "position": list(self.position[:3]) if self.position else None,
        }
        if self.verdicts:  # only re-visits carry them (earlier digests stay the same)
            content["verdicts"] = {str(k): str(v) for k, v in sorted(self.verdicts.items())}
        text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _optional_int(value: Any, name: str) -> int | None:
    if value in (None, ""):
        return None
    text = str(value)
    if isinstance(value, bool) or not isinstance(value, int | str) or not (text.isascii() and text.isdigit()) \
            or len(text) > 10 or int(text) > MAX_ID:
        raise ServiceError(f"{name} must be a number", field=name)
    return int(text)


def _time(value: Any, what: str, field: str) -> datetime:
    """An ISO 8601 time with a zone, in a sensible year (else ServiceError, never a 500)."""
    try:
        stamp = datetime.fromisoformat(str(value))
    except ValueError:
        raise ServiceError(f"{what} is not an ISO 8601 time", field=field) from None
    if stamp.tzinfo is None:
        raise ServiceError(f"{what} has no time zone", field=field)
    try:
        utc = stamp.astimezone(UTC)
    except OverflowError:
        raise ServiceError(f"{what} is out of range", field=field) from None
    if not YEARS[0] <= utc.year <= YEARS[1]:
        raise ServiceError(f"{what} is out of range", field=field)
    return stamp


def _object(data: Mapping[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ServiceError(f"{name} must be an object", field=name)
    return value


def _position(raw: Mapping[str, Any]) -> tuple[float, float, float | None, datetime | None] | None:
    if not raw:
        return None
    try:
        lat, lon = float(raw["latitude"]), float(raw["longitude"])
        accuracy = None if raw.get("accuracy") in (None, "") else float(raw["accuracy"])
    except (KeyError, TypeError, ValueError, OverflowError):
        raise ServiceError("position needs latitude and longitude numbers", field="position") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (accuracy is not None and not 0 <= accuracy < 1e7):
        raise ServiceError("position out of range", field="position")
    at = _time(raw["at"], "position.at", "position") if raw.get("at") else None
    return lat, lon, accuracy, at


def parse_payload(visit_uuid: str, data: Any) -> VisitPayload:
    """Check the shape of a JSON draft; raise ServiceError (400) for anything malformed."""
    try:
        canonical = str(uuid_module.UUID(visit_uuid))
    except ValueError:
        raise ServiceError("not a visit UUID", field="uuid") from None
    if not isinstance(data, dict):
        raise ServiceError("the draft must be a JSON object")
    window_id = _optional_int(data.get("window_id"), "window_id")
    if window_id is None:
        raise ServiceError("window_id is required", field="window_id")
    marks = _marks(_object(data, "marks"))
    answers = _object(data, "answers")
    ticked_ids, extra_names = _materials(_object(data, "materials"))
    return VisitPayload(
        position=_position(_object(data, "position")),
        uuid=canonical, window_id=window_id,
        service_item_id=_optional_int(data.get("service_item_id"), "service_item_id"),
        assignment_id=_optional_int(data.get("assignment_id"), "assignment_id"),
        marks=marks, answers=answers, ticked_material_ids=ticked_ids, extra_materials=extra_names,
        verdicts=verdicts.parse(data.get("verdicts")),
    )


def _marks(raw: Mapping[str, Any]) -> dict[str, datetime]:
    """The timer marks given (a blank one is no mark); only names in MARKS."""
    if any(k not in MARKS for k in raw):
        raise ServiceError("marks may only be " + ", ".join(MARKS), field="marks")
    return {name: _time(value, f"mark {name}", "marks")
            for name, value in raw.items() if value not in (None, "")}


def _materials(raw: Mapping[str, Any]) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """Ids of the ticked guide materials, and the names typed for extra ones (deduplicated)."""
    ticked = raw.get("ticked") or []
    extra = raw.get("extra") or []
    if not isinstance(ticked, list) or not isinstance(extra, list) or len(extra) > MAX_EXTRA_MATERIALS:
        raise ServiceError("materials.ticked and materials.extra must be lists", field="materials")
    ticked_ids = tuple(sorted({i for i in (_optional_int(t, "materials") for t in ticked) if i is not None}))
    extra_names = tuple(dict.fromkeys(
        str(name).strip()[:150] for name in extra if isinstance(name, str) and name.strip()))
    return ticked_ids, extra_names
