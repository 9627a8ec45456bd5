"""A realistic county of N visits on top of the demo county, for benchmarks (``demo-scale``).

Visits over the last year at every window of the demo county, by a pool of inspectors, in
every state; each submitted one with a full set of answers, requested materials, sometimes
photos (rows only: no files) and findings; findings counted into issues at every state of
the rectification loop, with occurrences and timeline events. Rows are written in bulk with
their ids chosen here, so 100,000 visits take well under a minute on SQLite.
"""

from __future__ import annotations

import random
import uuid as uuid_module
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models import (
    Category,
    Finding,
    FindingState,
    Issue,
    IssueEvent,
    IssueState,
    MaterialKind,
    Occurrence,
    Photo,
    RectificationType,
    Role,
    Severity,
    User,
    Visit,
    VisitAnswer,
    VisitMaterial,
    VisitState,
    Window,
)
from app.services import checklists
from app.services.errors import ServiceError
from app.services.visits import figures

BATCH = 20_000
#: Inspectors the generator adds (scale-inspector-NN), beside the demo ones.
EXTRA_INSPECTORS = 30
#: Roughly one issue per five visits, as in a county that finds something at every other window.
VISITS_PER_ISSUE = 5


@dataclass(frozen=True)
class ScaleResult:
    visits: int
    answers: int
    findings: int
    issues: int
    occurrences: int
    photos: int


def _next_id(model: Any) -> int:
    return (db.session.scalar(sa.select(sa.func.max(model.id))) or 0) + 1


def _insert(model: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), BATCH):
        db.session.execute(sa.insert(model), rows[start:start + BATCH])


def _inspectors(rng: random.Random) -> list[int]:
    units = [w.unit_id for w in db.session.scalars(sa.select(Window))]
    existing = {u for u in db.session.scalars(sa.select(User.username).where(User.username.like("scale-inspector-%")))}
    rows = [{"username": f"scale-inspector-{n:02d}", "display_name": f"暗访员{n:02d}", "role": Role.INSPECTOR,
             "unit_id": rng.choice(units), "password_hash": "!", "active": True}
            for n in range(1, EXTRA_INSPECTORS + 1) if f"scale-inspector-{n:02d}" not in existing]
    if rows:
        db.session.execute(sa.insert(User), rows)
    return list(db.session.scalars(sa.select(User.id).where(User.role == Role.INSPECTOR)))


def _answers(rng: random.Random, bad: bool) -> dict[str, Any]:
    """About twenty answers, as the default checklist asks them."""
    yes = rng.random
    return {"help_desk_staffed": yes() > 0.1, "signage_found": yes() > 0.15, "people_asked": rng.randint(0, 3),
            "window_staffed": yes() > 0.05, "behaviours": [rng.choice(["phone", "chatting"])] if bad else ["none"],
            "attitude_score": rng.choice([1, 2] if bad else [3, 4, 4, 5, 5]), "rude_language": bad and yes() < 0.2,
            "first_contact": rng.choice(["handled", "handled", "referred", "deflected"]),
            "one_time_notice": rng.choice(["written", "written", "oral", "none"]),
            "matches_online_guide": yes() > 0.2,
            "outcome": rng.choice(["completed", "accepted", "consult_only", "returned", "refused"]),
            "stated_days": rng.choice([1, 3, 5, 10]), "trips_required": rng.choice([1, 1, 1, 2, 3]),
            "fee_asked": False, "one_thing_offered": yes() > 0.5, "sent_elsewhere": ["none"],
            "online_path": rng.choice(["offered", "not_applicable", "forced_offline"]),
            "assisted_service_available": yes() > 0.3, "fallback_window_working": yes() > 0.2,
            "rating_prompted": yes() > 0.4}


def _uuid(rng: random.Random) -> str:
    return str(uuid_module.UUID(int=rng.getrandbits(128), version=4))


@dataclass
class _Rows:
    """The rows of one generated data set, per table, with the next id of each."""

    ids: dict[Any, int]
    visits: list[dict[str, Any]] = field(default_factory=list)
    answers: list[dict[str, Any]] = field(default_factory=list)
    materials: list[dict[str, Any]] = field(default_factory=list)
    photos: list[dict[str, Any]] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)

    def next(self, model: Any, rows: list[dict[str, Any]]) -> int:
        return self.ids[model] + len(rows)


def _visit(rng: random.Random, rows: _Rows, window: Window, inspector_id: int, version_id: int, today: date,
           keys: set[str]) -> None:
    """One visit with its answers, materials, photo rows and finding."""
    visit_id = rows.next(Visit, rows.visits)
    day = today - timedelta(days=rng.randint(0, 364))
    arrived = datetime(day.year, day.month, day.day, rng.randint(0, 8), rng.randint(0, 59), tzinfo=UTC)
    ticket = arrived + timedelta(minutes=rng.randint(0, 5))
    called = ticket + timedelta(minutes=int(rng.expovariate(1 / 15)))
    finished = called + timedelta(minutes=rng.randint(3, 30))
    roll = rng.random()
    state = (VisitState.DRAFT if roll < 0.02 else VisitState.RETURNED if roll < 0.03
             else VisitState.SUBMITTED if roll < 0.08 else VisitState.APPROVED)
    bad = rng.random() < 0.3
    items = window.service_items
    item_id = rng.choice(items).id if items else None
    answered = {key: value for key, value in _answers(rng, bad).items() if key in keys}
    # The figures a submit keeps on the visit (drafts have none yet).
    kept = state is not VisitState.DRAFT
    rows.visits.append({
        "id": visit_id, "uuid": _uuid(rng), "inspector_id": inspector_id, "window_id": window.id,
        "service_item_id": item_id, "survey_version_id": version_id,
        "state": state, "arrived_at": arrived, "ticket_at": ticket, "called_at": called,
        "served_at": called + timedelta(minutes=1), "finished_at": finished,
        "submitted_at": None if state is VisitState.DRAFT else finished + timedelta(hours=2),
        "latitude": window.hall.latitude, "longitude": window.hall.longitude, "accuracy_m": 15.0,
        "distance_m": rng.uniform(0, 80), "position_at": arrived, "created_at": arrived, "updated_at": finished,
        "wait_min": round((called - ticket).total_seconds() / 60) if kept else None,
        "trips": figures.whole_number(answered.get(figures.TRIPS_KEY)) if kept else None,
        "attitude": figures.whole_number(answered.get(figures.ATTITUDE_KEY)) if kept else None})
    first = rows.next(VisitAnswer, rows.answers)
    answers = list(answered.items())
    rows.answers.extend([{"id": first + n, "visit_id": visit_id, "question_key": key, "value": value}
                         for n, (key, value) in enumerate(answers)])
    if bad and rng.random() < 0.5:
        rows.materials.append({"id": rows.next(VisitMaterial, rows.materials), "visit_id": visit_id, "position": 0,
                               "name": rng.choice(["房东户口本复印件", "结婚证", "无犯罪记录证明"]),
                               "kind": MaterialKind.EXTRA})
    if rng.random() < 0.2:
        rows.photos.append({"id": rows.next(Photo, rows.photos), "uuid": _uuid(rng), "visit_id": visit_id,
                            "question_key": "environment_photo", "storage_key": f"scale/{visit_id}.jpg",
                            "thumbnail_key": f"scale/{visit_id}.t.jpg", "sha256": "0" * 64,
                            "original_sha256": "0" * 64, "width": 1600, "height": 1200, "bytes": 250_000,
                            "created_at": arrived})
    if bad and state is not VisitState.DRAFT:
        rows.findings.append(_finding(rng, rows.next(Finding, rows.findings), visit_id, window.id, state, arrived))


def generate(visits: int, *, seed: int = 1, today: date | None = None) -> ScaleResult:
    """Add ``visits`` visits (and what they lead to) to the demo county."""
    if visits < 1:
        raise ServiceError("--visits must be at least 1")
    windows = list(db.session.scalars(sa.select(Window).where(Window.active.is_(True)).order_by(Window.id)))
    if not windows:
        raise ServiceError("load the demo county first (flask --app wsgi seed-demo)")
    rng = random.Random(seed)  # noqa: S311 - sample data, not secrets
    today = today or datetime.now(UTC).date()
    template = checklists.registry().current()
    version = checklists.snapshot(template)
    people = _inspectors(rng)
    keys = {q.key for q in template.questions()}
    rows = _Rows({m: _next_id(m) for m in (Visit, VisitAnswer, VisitMaterial, Photo, Finding, Issue, Occurrence,
                                          IssueEvent)})
    for _n in range(visits):
        _visit(rng, rows, rng.choice(windows), rng.choice(people), version.id, today, keys)
    issues, occurrences, events = _issues(rng, rows.ids, rows.findings, windows, today, visits)
    for model, table in ((Visit, rows.visits), (VisitAnswer, rows.answers), (VisitMaterial, rows.materials),
                         (Photo, rows.photos), (Issue, issues),
                         (Finding, [{k: v for k, v in f.items() if not k.startswith("_")} for f in rows.findings]),
                         (Occurrence, occurrences), (IssueEvent, events)):
        _insert(model, table)
    db.session.flush()
    return ScaleResult(len(rows.visits), len(rows.answers), len(rows.findings), len(issues), len(occurrences),
                       len(rows.photos))


def _finding(rng: random.Random, finding_id: int, visit_id: int, window_id: int, state: VisitState,
             arrived: datetime) -> dict[str, Any]:
    category = rng.choice(list(Category))
    severity = rng.choice([Severity.LOW, Severity.MEDIUM, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL])
    confirmed = state is VisitState.APPROVED
    return {"id": finding_id, "visit_id": visit_id, "rule": "manual", "category": category, "severity": severity,
            "hall_level": False, "title_zh": f"{category.value}问题", "title_en": f"{category.value} problem",
            "detail": "", "state": FindingState.CONFIRMED if confirmed else FindingState.PROPOSED, "manual": True,
            "created_at": arrived, "_window": window_id, "_day": arrived.date(), "_confirmed": confirmed}


def _spread(rng: random.Random, count: int) -> Iterator[IssueState]:
    """Issue states over time: the older ones closed, the newer ones at every step of the loop."""
    for n in range(count):
        newest = n >= count - 1
        yield (rng.choice([IssueState.ASSIGNED, IssueState.IN_PROGRESS, IssueState.REPORTED,
                           IssueState.UNDER_REVIEW, IssueState.REOPENED]) if newest else IssueState.CLOSED)


def _issues(rng: random.Random, ids: dict[Any, int], findings: list[dict[str, Any]], windows: list[Window],
            today: date, visits: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Confirmed findings grouped per (window, category) into about visits/5 issues; one open per group."""
    halls = {w.id: w.hall_id for w in windows}
    units = {w.id: w.unit_id for w in windows}
    groups: dict[tuple[int, Category], list[dict[str, Any]]] = {}
    for finding in sorted((f for f in findings if f["_confirmed"]), key=lambda f: f["_day"]):
        groups.setdefault((finding["_window"], finding["category"]), []).append(finding)
    target = max(1, visits // VISITS_PER_ISSUE)
    total = sum(len(g) for g in groups.values()) or 1
    issues: list[dict[str, Any]] = []
    occurrences: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for (window_id, category), group in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1].value)):
        count = max(1, min(len(group), round(target * len(group) / total)))
        chunks = [group[i::count] for i in range(count)]
        for chunk, state in zip(chunks, _spread(rng, count), strict=True):
            issue_id = ids[Issue] + len(issues)
            opened = chunk[0]["_day"]
            severity = max((f["severity"] for f in chunk), key=lambda s: s.rank)
            deadline = opened + timedelta(days=14)
            closed = state is IssueState.CLOSED
            issues.append({"id": issue_id, "hall_id": halls[window_id], "window_id": window_id, "category": category,
                           "state": state, "severity": severity, "rectification_type": RectificationType.DEADLINE,
                           "deadline": deadline, "title": chunk[0]["title_zh"], "title_en": chunk[0]["title_en"],
                           "lead_unit_id": units[window_id],
                           "escalation_level": rng.choice([0, 0, 0, 0, 1, 2]) if not closed and deadline < today else 0,
                           "rework_count": rng.choice([0, 0, 0, 1]), "opened_on": opened,
                           "closed_on": min(today, deadline + timedelta(days=rng.randint(-10, 5))) if closed else None})
            for n, finding in enumerate(chunk):
                finding["issue_id"] = issue_id
                occurrences.append({"id": ids[Occurrence] + len(occurrences), "issue_id": issue_id,
                                    "finding_id": finding["id"], "observed_on": finding["_day"], "recurrence": n > 0})
            events.append({"id": ids[IssueEvent] + len(events), "issue_id": issue_id, "actor_role": "leader",
                           "kind": "assigned", "note": chunk[0]["title_zh"],
                           "at": datetime(opened.year, opened.month, opened.day, 9, tzinfo=UTC)})
            if closed:
                at = datetime(opened.year, opened.month, opened.day, 10, tzinfo=UTC) + timedelta(days=10)
                events.append({"id": ids[IssueEvent] + len(events), "issue_id": issue_id, "actor_role": "leader",
                               "kind": rng.choice(["closed_by_leader", "closed_by_revisit"]), "note": "",
                               "from_state": "under_review", "to_state": "closed", "at": at})
    return issues, occurrences, events
