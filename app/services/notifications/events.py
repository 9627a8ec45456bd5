"""Who is told of each step, in one place: the issue lifecycle calls ``issue_event`` for every
event it records; reviews and campaigns call ``visit_returned`` and ``campaign_started``.

A unit hears of its new, reopened and decided issues — never of a re-visit, never who visited;
leaders hear of reports and requests to decide; an inspector of a campaign's start and of a
returned visit. Keys derive from the event, so a step is told once."""

from __future__ import annotations

from collections import Counter

from app.extensions import db
from app.models import Assignment, Campaign, Issue, IssueEvent, Unit, User, Visit
from app.models.base import utcnow
from app.services.calendar import china_today
from app.services.notifications.core import notify, notify_leaders, notify_unit

#: Event kind -> who is told what: "unit" is the lead unit, "leaders" every leader.
ISSUE_EVENTS: dict[str, tuple[tuple[str, str], ...]] = {
    "assigned": (("unit", "issue.assigned"),),
    # Found again after close-out: the unit has it again; leaders learn it recurred (the next
    # circular flags it).
    "reopened": (("unit", "issue.assigned"), ("leaders", "issue.recurred")),
    "sent_back": (("unit", "issue.sent_back"),),
    "closed_by_leader": (("unit", "issue.closed"),),
    "closed_by_revisit": (("unit", "issue.closed"),),
    "extension_accepted": (("unit", "issue.extension_granted"),),
    "extension_refused": (("unit", "issue.extension_refused"),),
    "reported": (("leaders", "issue.reported"),),
    "explained": (("leaders", "issue.reported"),),
    "extension_requested": (("leaders", "issue.extension_requested"),),
    # 申诉: leaders decide a contest; the unit that contested hears the decision (on a transfer,
    # the new unit has the issue as a new one).
    "contested": (("leaders", "issue.contested"),),
    "contest_transferred": (("unit", "issue.assigned"), ("contester", "issue.contest_transferred")),
    "contest_dismissed": (("contester", "issue.contest_dismissed"),),
    "contest_rejected": (("contester", "issue.contest_rejected"),),
}


def issue_event(issue: Issue, event: IssueEvent) -> None:
    """Tell whoever ``ISSUE_EVENTS`` names of ``event`` (nothing for other kinds)."""
    rules = ISSUE_EVENTS.get(event.kind, ())
    if not rules:
        return
    db.session.flush()
    params: dict[str, object] = {"issue": issue.id, "title": issue.title, "title_en": issue.title_en,
                                 "deadline": issue.deadline.isoformat(),
                                 "unit": issue.lead_unit.name}
    if event.kind == "sent_back":
        params["note"] = event.note
    if event.kind == "extension_requested":
        params["days"] = issue.extension_days_requested or ""
    link = f"/issues/{issue.id}"
    for who, kind in rules:
        key = f"event:{event.id}:{kind}"
        if who == "leaders":
            notify_leaders(kind, params, link=link, key=key)
            continue
        unit = issue.lead_unit if who == "unit" else _contester(issue)
        if unit is not None:
            notify_unit(unit, kind, params, link=link, key=key)


def _contester(issue: Issue) -> Unit | None:
    """The unit that made the issue's latest contest."""
    latest = max(issue.contests, key=lambda c: c.id, default=None)
    return latest.unit if latest is not None else None


def visit_returned(visit: Visit, comment: str) -> None:
    """Tell the inspector their visit came back (once per return: the key has its moment)."""
    inspector = db.session.get(User, visit.inspector_id)
    if inspector is None:
        return
    day = china_today(visit.arrived_at or visit.created_at).isoformat()
    notify([inspector], "visit.returned", {"day": day, "comment": comment}, link=f"/visits/v/{visit.uuid}/checklist",
           key=f"visit-returned:{visit.id}:{utcnow().isoformat()}")


def campaign_started(campaign: Campaign) -> None:
    """Tell each inspector of the campaign how many visits they have to make."""
    counts = Counter(a.inspector_id for a in db.session.scalars(
        db.select(Assignment).where(Assignment.campaign_id == campaign.id)))
    for inspector_id, count in counts.items():
        inspector = db.session.get(User, inspector_id)
        if inspector is not None:
            notify([inspector], "campaign.started", {"name": campaign.name, "count": count,
                                                     "ends": campaign.ends_on.isoformat()},
                   link="/visits/", key=f"campaign-started:{campaign.id}")
