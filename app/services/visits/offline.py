"""What an inspector's phone keeps for working without a connection (the offline app shell).

The phone keeps the start pages, a generic visit page and this catalogue: from it the visit
page fills in the hall, window and matter of a visit started offline, and the matter's
materials from its service guide. Only what the start pages already show is in it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from app.models import Assignment, Hall, ServiceItem, window_title

#: The UUID that stands for "any visit" in the pages the phone keeps.
SHELL_UUID = "00000000-0000-0000-0000-000000000000"


@dataclass(frozen=True)
class OfflineKit:
    """The catalogue the phone keeps, the halls and windows whose start pages it keeps, and a
    version that changes whenever any of them does."""

    catalogue: dict[str, Any]
    hall_ids: list[int]
    window_ids: list[int]
    assignment_ids: list[int]
    version: str


def _item(item: ServiceItem) -> dict[str, Any]:
    return {"name": item.name, "materials": [
        {"id": m.id, "name": m.name, "condition": m.condition or "", "abolished": m.abolished,
         "sharing": m.obtainable_by_sharing} for m in item.materials]}


def offline_kit(halls: list[Hall], assignments: list[Assignment]) -> OfflineKit:
    """The kit for ``halls`` (active, with their windows and items loaded) and ``assignments``."""
    windows: dict[str, dict[str, Any]] = {}
    items: dict[str, dict[str, Any]] = {}
    for hall in halls:
        for window in hall.windows:
            if not window.active:
                continue
            windows[str(window.id)] = {"title": window_title(hall.name, window.number, window.name)}
            for item in window.service_items:
                if item.active:
                    items.setdefault(str(item.id), _item(item))
    for assignment in assignments:  # an assigned matter may be one no window lists any more
        if assignment.service_item is not None:
            items.setdefault(str(assignment.service_item.id), _item(assignment.service_item))
    catalogue = {"windows": windows, "items": items}
    hall_ids = [hall.id for hall in halls]
    window_ids = [int(key) for key in windows]
    assignment_ids = [a.id for a in assignments]
    digest = hashlib.sha256(json.dumps([catalogue, hall_ids, assignment_ids, [
        (a.window_id, a.service_item_id, a.persona, a.note, str(a.due_date)) for a in assignments]],
        sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]
    return OfflineKit(catalogue, hall_ids, window_ids, assignment_ids, digest)
