"""The draw's inputs, read from the catalogue: candidate targets of the pool and the inspectors."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models import Assignment, Campaign, CampaignState, InspectorConflict, PoolKind, ServiceItem, Window


def _item(item: ServiceItem) -> dict[str, Any]:
    return {"id": item.id, "unit": item.unit_id, "scenarios": [s.name for s in item.scenarios]}


def _choice(window: Window, items: list[ServiceItem] | None = None) -> dict[str, Any]:
    served = [i for i in (window.service_items if items is None else items) if i.active]
    return {"window": window.id, "hall": window.hall_id, "unit": window.unit_id, "items": [_item(i) for i in served]}


def _open(window: Window) -> bool:
    return window.active and window.hall.active


def candidates(campaign: Campaign) -> list[dict[str, Any]]:
    """The pool as targets: a key and the (window, matters) a drawn target may be visited at."""
    found: dict[str, dict[str, Any]] = {}
    for entry in campaign.pool:
        if entry.kind is PoolKind.HALL and entry.hall is not None:
            found[f"hall:{entry.hall.id}"] = {"key": f"hall:{entry.hall.id}",
                                              "choices": [_choice(w) for w in entry.hall.windows if _open(w)]}
        elif entry.kind is PoolKind.HALL_WINDOWS and entry.hall is not None:
            for window in entry.hall.windows:
                if _open(window):
                    found[f"window:{window.id}"] = {"key": f"window:{window.id}", "choices": [_choice(window)]}
        elif entry.kind is PoolKind.WINDOW and entry.window is not None and _open(entry.window):
            found[f"window:{entry.window.id}"] = {"key": f"window:{entry.window.id}",
                                                  "choices": [_choice(entry.window)]}
        elif entry.kind is PoolKind.SERVICE_ITEM and entry.service_item is not None:
            item = entry.service_item
            found[f"item:{item.id}"] = {"key": f"item:{item.id}",
                                        "choices": [_choice(w, [item]) for w in item.windows if _open(w)]}
    return list(found.values())


def previous_halls(campaign: Campaign) -> dict[int, set[int]]:
    """Per inspector, the halls of their assignments in the previous campaign that was drawn."""
    previous = db.session.scalar(
        sa.select(Campaign).where(Campaign.id != campaign.id, Campaign.state != CampaignState.DRAFT,
                                  Campaign.starts_on <= campaign.starts_on)
        .order_by(Campaign.starts_on.desc(), Campaign.id.desc()).limit(1))
    halls: dict[int, set[int]] = {}
    if previous is None:
        return halls
    rows = db.session.execute(sa.select(Assignment.inspector_id, Window.hall_id).join(Assignment.window)
                              .where(Assignment.campaign_id == previous.id))
    for inspector_id, hall_id in rows:
        halls.setdefault(inspector_id, set()).add(hall_id)
    return halls


def draw_inputs(campaign: Campaign) -> dict[str, Any]:
    """Everything the draw reads, so that it can be stored and re-run."""
    ids = [u.id for u in campaign.inspectors]
    conflicts: dict[int, set[int]] = {}
    for row in db.session.scalars(sa.select(InspectorConflict).where(InspectorConflict.user_id.in_(ids))):
        conflicts.setdefault(row.user_id, set()).add(row.unit_id)
    earlier = previous_halls(campaign)
    inspectors = [{"id": u.id, "units": sorted(({u.unit_id} if u.unit_id else set()) | conflicts.get(u.id, set())),
                   "previous_halls": sorted(earlier.get(u.id, set()))} for u in campaign.inspectors]
    return {"targets_wanted": campaign.targets_wanted, "visits_per_target": campaign.visits_per_target,
            "candidates": candidates(campaign), "inspectors": inspectors}
