"""The rectification loop (交办→整改→反馈→复核→销号): the unit's and the leaders' steps.

Every state change goes through ``move`` (the lifecycle's guard on the model) and writes an
IssueEvent and an audit row. Units act on their own issues only; leaders review; the
reviewer is never the responsible unit (units cannot reach review actions at all).
"""

from __future__ import annotations

import uuid as uuid_module
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, BinaryIO

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.labels import STATE_LABELS
from app.models import (
    Evidence,
    InvalidTransition,
    Issue,
    IssueEvent,
    IssueState,
    RectificationType,
    Role,
    Severity,
    Unit,
    User,
)
from app.services import audit, calendar, visits
from app.services.calendar import china_today
from app.services.errors import ServiceError
from app.services.notifications import events as notification_events
from app.services.storage import Storage

MAX_EVIDENCE = 10
ESCALATION_MAX = 3


def add_event(issue: Issue, actor: User | None, kind: str, note: str = "",
              previous: IssueState | None = None, params: dict[str, Any] | None = None) -> IssueEvent:
    """Record a step on the issue: an IssueEvent and an audit row (``previous``: the state left).

    ``note`` is what someone wrote; what the step did goes in ``params``, rendered for each reader
    by ``app.services.wording``."""
    event = IssueEvent(issue=issue, actor_id=actor.id if actor else None,
                       actor_role=str(actor.role) if actor else "system", kind=kind, note=note.strip()[:2000],
                       params=params or None,
                       from_state=str(previous) if previous else None,
                       to_state=str(issue.state) if previous else None)
    db.session.add(event)
    audit.record(f"issue.{kind}", actor=actor, actor_name="" if actor else "system",
                 object_type="issue", object_id=issue.id or "", detail=f"{previous or ''}->{issue.state}")
    notification_events.issue_event(issue, event)
    return event


def move(issue: Issue, to: IssueState, actor: User | None, kind: str, note: str = "",
         params: dict[str, Any] | None = None) -> IssueEvent:
    """Move the issue through the lifecycle's guard and record the step; ServiceError if refused."""
    try:
        previous = issue.move(to)
    except InvalidTransition as exc:
        raise ServiceError(_l("This step is not possible while the issue is %(state)s.",
                              state=STATE_LABELS[issue.state])) from exc
    return add_event(issue, actor, kind, note, previous, params)


# --- The unit's steps ---------------------------------------------------------------------------


def is_responsible(issue: Issue, user: User) -> bool:
    """Whether ``user`` is a unit account of the issue's lead or supporting units."""
    return user.role is Role.UNIT and user.unit_id in {u.id for u in issue.units()}


_UNIT_ANSWERABLE = (IssueState.ASSIGNED, IssueState.IN_PROGRESS, IssueState.REOPENED)
#: Where a unit that has not started work may contest (申诉) an issue.
CONTESTABLE = (IssueState.ASSIGNED, IssueState.REOPENED)
#: The events that begin a round of the unit's answer, and the one that ends a contest refused.
_ROUND_STARTS = frozenset({"assigned", "reopened", "contest_transferred"})


def contest_rejected_this_round(issue: Issue) -> bool:
    """Whether a leader already rejected a contest since the issue was last assigned or reopened
    (one contest a round: a unit cannot pause its deadline again and again)."""
    for event in reversed(issue.events):
        if event.kind == "contest_rejected":
            return True
        if event.kind in _ROUND_STARTS:
            return False
    return False


_LEADER_REVIEWABLE = (IssueState.REPORTED, IssueState.UNDER_REVIEW)
#: The steps of each side and when each is open: the detail page asks ``steps`` which to offer,
#: and the services refuse the same steps under the same conditions.
UNIT_STEPS: dict[str, Callable[[Issue], bool]] = {
    "start": lambda i: i.state in (IssueState.ASSIGNED, IssueState.REOPENED),
    "report": lambda i: i.state in _UNIT_ANSWERABLE,
    "explain": lambda i: i.state in _UNIT_ANSWERABLE,
    # More time is asked for while the unit still owes its answer, not once it has reported.
    "extension": lambda i: i.state in _UNIT_ANSWERABLE and not i.extension_days_requested,
    "contest": lambda i: i.state in CONTESTABLE and not contest_rejected_this_round(i),
}
LEADER_STEPS: dict[str, Callable[[Issue], bool]] = {
    "begin_review": lambda i: i.state is IssueState.REPORTED,
    "close": lambda i: i.state in _LEADER_REVIEWABLE,
    "send_back": lambda i: i.state in _LEADER_REVIEWABLE,
    "revisit": lambda i: i.state in _LEADER_REVIEWABLE,
    "decide_extension": lambda i: bool(i.extension_days_requested) and i.state is not IssueState.CONTESTED,
    "decide_contest": lambda i: i.state is IssueState.CONTESTED,
    "escalate": lambda i: i.is_open and i.escalation_level < ESCALATION_MAX,
    "settings": lambda i: True,
}


def steps(issue: Issue, user: User) -> frozenset[str]:
    """The steps ``user`` may take on ``issue`` now (names of UNIT_STEPS or LEADER_STEPS)."""
    if user.role is Role.LEADER:
        table = LEADER_STEPS
    elif is_responsible(issue, user) and issue.is_open:
        table = UNIT_STEPS
    else:
        return frozenset()
    return frozenset(name for name, is_open in table.items() if is_open(issue))


def unit_only(issue: Issue, user: User) -> None:
    if not is_responsible(issue, user):
        raise ServiceError(_l("Only the responsible unit can do this."))


def start(issue: Issue, user: User) -> None:
    """The unit starts rectifying."""
    unit_only(issue, user)
    move(issue, IssueState.IN_PROGRESS, user, "started")


def report(issue: Issue, user: User, measures: str, files: list[tuple[str, BinaryIO]],
           storage: Storage) -> IssueEvent:
    """The unit reports its measures with evidence photos (all of them processed, or none kept)."""
    unit_only(issue, user)
    if not measures.strip():
        raise ServiceError(_l("Describe the measures taken."), field="measures")
    processed = process_evidence(files)
    event = move(issue, IssueState.REPORTED, user, "reported", measures)
    keep_evidence(event, processed, storage)
    return event


def process_evidence(files: list[tuple[str, BinaryIO]]) -> list[visits.Processed]:
    """Evidence photos through the photo pipeline, which refuses a bad file (or too many)
    before anything is written."""
    if len(files) > MAX_EVIDENCE:
        raise ServiceError(_l("At most %(n)d photos.", n=MAX_EVIDENCE), field="evidence")
    return [visits.process(stream) for _name, stream in files]


def keep_evidence(event: IssueEvent, processed: list[visits.Processed], storage: Storage) -> None:
    """Store processed evidence photos on ``event`` (all of them, or none kept)."""
    saved: list[str] = []
    try:
        for result in processed:
            image_key = storage.save(result.image)
            saved.append(image_key)
            thumb_key = storage.save(result.thumbnail)
            saved.append(thumb_key)
            event.evidence.append(Evidence(uuid=str(uuid_module.uuid4()), storage_key=image_key,
                                           thumbnail_key=thumb_key, sha256=result.sha256,
                                           width=result.width, height=result.height))
        db.session.flush()
    except BaseException:
        for key in saved:
            storage.delete(key)
        raise


def explain(issue: Issue, user: User, explanation: str) -> None:
    """The unit explains why the finding does not call for rectification (解释说明)."""
    unit_only(issue, user)
    if not explanation.strip():
        raise ServiceError(_l("Write the explanation."), field="explanation")
    move(issue, IssueState.REPORTED, user, "explained", explanation)


def request_extension(issue: Issue, user: User, days: int, reason: str) -> None:
    """The unit asks for more working days; a leader accepts or refuses."""
    unit_only(issue, user)
    if not UNIT_STEPS["extension"](issue):
        raise ServiceError(_l("An extension cannot be asked for now."))
    if not 1 <= days <= 60 or not reason.strip():
        raise ServiceError(_l("Give 1 to 60 working days and a reason."), field="days")
    issue.extension_days_requested = days
    add_event(issue, user, "extension_requested", reason, params={"days": days})


# --- The leaders' steps --------------------------------------------------------------------------


def decide_extension(issue: Issue, leader: User, accept: bool, note: str = "") -> None:
    """Accept (the deadline moves by the requested working days) or refuse an extension."""
    days = issue.extension_days_requested
    if issue.state is IssueState.CONTESTED:
        # The deadline is paused; the decision on the contest sets it again.
        raise ServiceError(_l("Decide the contest first."))
    if not days or not issue.is_open:
        raise ServiceError(_l("No extension was asked for."))
    issue.extension_days_requested = None
    if accept:
        issue.deadline = calendar.add_working_days(issue.deadline, days)
    add_event(issue, leader, "extension_accepted" if accept else "extension_refused", note)


def begin_review(issue: Issue, leader: User) -> None:
    """A leader takes a reported issue under review."""
    move(issue, IssueState.UNDER_REVIEW, leader, "review_started")


def send_back(issue: Issue, leader: User, note: str) -> None:
    """The review fails: back to in progress, with what is still wrong."""
    if not note.strip():
        raise ServiceError(_l("Say what is still wrong."), field="note")
    issue.rework_count += 1
    issue.revisit_assignment_id = None  # a re-visit assigned before no longer decides
    move(issue, IssueState.IN_PROGRESS, leader, "sent_back", note)


def close_with_reason(issue: Issue, leader: User, reason: str) -> None:
    """Close out on a leader's explicit acceptance of the evidence (销号), with a written reason."""
    if not reason.strip():
        raise ServiceError(_l("Write why the evidence is accepted."), field="reason")
    if issue.state not in (IssueState.REPORTED, IssueState.UNDER_REVIEW):
        raise ServiceError(_l("This step is not possible while the issue is %(state)s.",
                              state=STATE_LABELS[issue.state]))
    issue.closed_on = china_today()
    issue.revisit_assignment_id = None
    issue.extension_days_requested = None
    move(issue, IssueState.CLOSED, leader, "closed_by_leader", reason)


def escalate(issue: Issue, leader: User, note: str = "") -> None:
    """One step up: 督办, 约谈, 通报."""
    if not LEADER_STEPS["escalate"](issue):
        raise ServiceError(_l("This issue cannot be escalated further."))
    issue.escalation_level += 1
    add_event(issue, leader, f"escalated_{issue.escalation_level}", note)


@dataclass(frozen=True)
class IssueSettings:
    lead_unit_id: int
    supporting_unit_ids: tuple[int, ...]
    severity: Severity
    rectification_type: RectificationType
    deadline: date


def update_settings(issue: Issue, data: IssueSettings, leader: User) -> None:
    """Leaders change units, severity, rectification type and deadline (each change recorded)."""
    lead = db.session.get(Unit, data.lead_unit_id)
    if lead is None:
        raise ServiceError(_l("Choose an active unit."), field="lead_unit_id")
    supporting = list(db.session.scalars(sa.select(Unit).where(
        Unit.id.in_(data.supporting_unit_ids), Unit.id != lead.id)))
    changes: list[dict[str, Any]] = []
    if lead.id != issue.lead_unit_id:
        changes.append({"field": "lead_unit", "old": issue.lead_unit.name, "new": lead.name})
    if {u.id for u in supporting} != {u.id for u in issue.supporting_units}:
        changes.append({"field": "supporting_units", "new": [u.name for u in supporting]})
    for name in ("severity", "rectification_type", "deadline"):
        old, new = getattr(issue, name), getattr(data, name)
        if old != new:
            changes.append({"field": name, "old": str(old), "new": str(new)})
    if not changes:
        return
    issue.lead_unit, issue.supporting_units = lead, supporting
    issue.severity, issue.rectification_type, issue.deadline = data.severity, data.rectification_type, data.deadline
    add_event(issue, leader, "updated", params={"changes": changes})
