"""Returned visits keep their history: each returned submission is kept, and the next one is
compared with it.

Returning a visit keeps what the leader reviewed (``submission``, stored by
``Visit.return_to_inspector`` as a ``VisitRevision``) before the inspector edits it again.
The review page of the resubmission shows, per question, the kept value and the new one
(``history``); ``compare`` is the pure part of it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.models import MARKS, MaterialKind, Visit, VisitRevision, VisitState
from app.services import checklists
from app.services.visits import verdicts

#: What is shown for something not answered or not recorded.
NONE = "—"
MARK_LABELS = {"arrived": _l("Arrived"), "ticket": _l("Ticket"), "called": _l("Called"), "served": _l("Served"),
               "finished": _l("Done")}
MATERIAL_KIND_LABELS = {MaterialKind.EXTRA: _l("not in the guide"), MaterialKind.ABOLISHED: _l("abolished"),
                        MaterialKind.SHARED: _l("by data sharing")}


def submission(visit: Visit) -> dict[str, Any]:
    """What the visit holds that the inspector can change, as JSON data: answers ({question key:
    value}), materials, timer marks, matter, position, the figures kept at submit, and a
    re-visit's verdicts."""
    return {
        "answers": visit.answers_dict(),
        "materials": [{"name": m.name, "kind": str(m.kind)} for m in visit.materials],
        "marks": {name: mark.isoformat() for name in MARKS if (mark := visit.mark(name)) is not None},
        "service_item": ({"id": visit.service_item.id, "name": visit.service_item.name}
                         if visit.service_item is not None else None),
        "position": ({"latitude": visit.latitude, "longitude": visit.longitude, "accuracy_m": visit.accuracy_m,
                      "distance_m": visit.distance_m} if visit.latitude is not None else None),
        "figures": {"wait_min": visit.wait_min, "trips": visit.trips, "attitude": visit.attitude},
        "verdicts": {str(check_id): str(verdict) for check_id, verdict in sorted(verdicts.of_visit(visit).items())},
    }


@dataclass(frozen=True)
class Change:
    """One question (or timer mark, the matter, materials, position) in two submissions."""

    key: str
    label: str
    old: str
    new: str
    changed: bool


def compare(template: checklists.Template, before: Mapping[str, Any], after: Mapping[str, Any],
            *, unchanged: bool = False) -> list[Change]:
    """Each question of ``template`` (in its order; those the checklist answers), then the
    matter, the timer marks, the materials and the position, as they stand in two
    ``submission`` contents, with display values; only those that differ unless ``unchanged``
    (then also those the same in both, except what neither answered)."""
    rows: list[Change] = []

    def add(key: str, label: str, old: Any, new: Any, show: Any) -> None:
        # Unchanged rows leave out what neither submission answered (hidden questions, marks never taken).
        if old != new or (unchanged and old is not None):
            rows.append(Change(key, str(label), show(old), show(new), old != new))

    old_answers, new_answers = before.get("answers", {}), after.get("answers", {})
    for question in template.questions():
        if question.kind.answered:
            add(question.key, question.label.get(), old_answers.get(question.key), new_answers.get(question.key),
                lambda value, q=question: NONE if value is None else q.kind.display(q, value))
    add("service_item", _("Service item"), _item_id(before), _item_id(after),
        lambda item_id: _item_name(item_id, before, after))
    old_marks, new_marks = before.get("marks", {}), after.get("marks", {})
    for name in MARKS:
        add(f"mark_{name}", _("Timer mark: %(name)s", name=MARK_LABELS[name]), _instant(old_marks.get(name)),
            _instant(new_marks.get(name)), _clock)
    add("materials", _("Materials asked for"), _materials(before), _materials(after), _show_materials)
    add("position", _("Position"), _place(before), _place(after), _show_place)
    return rows


def _item_id(content: Mapping[str, Any]) -> int | None:
    item = content.get("service_item")
    return item["id"] if item else None


def _item_name(item_id: int | None, *contents: Mapping[str, Any]) -> str:
    for content in contents:
        item = content.get("service_item")
        if item and item["id"] == item_id:
            return str(item["name"])
    return NONE


def _instant(text: str | None) -> datetime | None:
    # Compared as instants: the same time written in another zone is no change.
    return datetime.fromisoformat(text) if text else None


def _clock(stamp: datetime | None) -> str:
    return NONE if stamp is None else format_datetime(stamp, "HH:mm:ss")


def _materials(content: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple((m["name"], m["kind"]) for m in content.get("materials", []))


def _show_materials(materials: Sequence[tuple[str, str]]) -> str:
    if not materials:
        return _("None recorded.")
    return "、".join(f"{name}（{MATERIAL_KIND_LABELS[MaterialKind(kind)]}）"
                     if kind in MATERIAL_KIND_LABELS else name for name, kind in materials)


def _place(content: Mapping[str, Any]) -> tuple[float, float, float | None] | None:
    # Where the phone was; the distance follows from it (and the hall), so it is not compared.
    position = content.get("position")
    return (position["latitude"], position["longitude"], position.get("distance_m")) if position else None


def _show_place(place: tuple[float, float, float | None] | None) -> str:
    if place is None:
        return _("no position recorded")
    latitude, longitude, distance = place
    if distance is not None:
        return _("%(m)d m from the hall", m=distance)
    return f"{latitude:.5f}, {longitude:.5f}"


@dataclass(frozen=True)
class History:
    """A returned visit's submissions as its review page shows them."""

    #: The visit's current submission (2: the second); while returned, the one awaited.
    number: int
    #: The kept submissions, first to last.
    revisions: list[VisitRevision]
    #: The last kept submission against the current one, every question (None while the
    #: visit is returned: the inspector is still changing it).
    changes: list[Change] | None

    @property
    def changed(self) -> list[Change]:
        return [c for c in self.changes or [] if c.changed]

    @property
    def unchanged(self) -> list[Change]:
        return [c for c in self.changes or [] if not c.changed]


def history(visit: Visit) -> History | None:
    """The visit's earlier submissions and what changed since the last one (None for a visit
    never returned)."""
    if not visit.revisions:
        return None
    changes = None
    if visit.state is not VisitState.RETURNED:
        template = checklists.stored_template(visit.survey_version)
        changes = compare(template, visit.revisions[-1].content, submission(visit), unchanged=True)
    return History(number=len(visit.revisions) + 1, revisions=list(visit.revisions), changes=changes)
