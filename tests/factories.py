"""Factories for the domain's objects, on the demo county (the ``seeded`` fixture), inside an app
context: drafts, submitted visits, approved visits with their issues."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from itertools import count

import sqlalchemy as sa

from app.extensions import db
from app.models import Campaign, Hall, Issue, ServiceItem, User, Visit, Window
from app.services import issues, visits

#: When the factories' visits happen (arrival), and when they are submitted.
T0 = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
NOW = datetime(2026, 9, 28, 2, 0, tzinfo=UTC)  # Monday 28 Sep 2026, 10:00 in China
#: Answers of a visit where everything went well.
BASE = {"help_desk_staffed": True, "signage_found": True, "window_staffed": True, "attitude_score": 4,
        "rude_language": False, "first_contact": "handled", "one_time_notice": "written",
        "matches_online_guide": True, "outcome": "completed", "fee_asked": False}
_numbers = count()


def user(name: str) -> User:
    return db.session.scalars(sa.select(User).where(User.username == name)).one()


def make_visit(answers: dict | None = None, wait: int | None = None, extra: Iterable[str] = (),
               ticked_names: Iterable[str] = (), window: str = "01", hall: str = "安远县产城新区云服务大厅",
               item: str | None = "market-company-setup", inspector: str = "inspector1") -> Visit:
    """A draft of ``inspector`` at a window, with BASE answers updated by ``answers``, a wait
    of ``wait`` minutes, ``extra`` materials asked for and guide materials ticked by name."""
    window_row = db.session.scalar(sa.select(Window).join(Hall).where(Hall.name == hall, Window.number == window))
    item_row = db.session.scalar(sa.select(ServiceItem).where(ServiceItem.code == item)) if item else None
    marks = {"arrived": T0.isoformat()}
    if wait is not None:
        marks |= {"ticket": T0.isoformat(), "called": (T0 + timedelta(minutes=wait)).isoformat()}
    ticked = [m.id for m in item_row.materials if m.name in set(ticked_names)] if item_row else []
    uuid = f"00000000-0000-4000-8000-{next(_numbers):012d}"
    payload = visits.parse_payload(uuid, {
        "window_id": window_row.id, "service_item_id": item_row.id if item_row else None, "marks": marks,
        "answers": {**BASE, **(answers or {})}, "materials": {"ticked": ticked, "extra": list(extra)}})
    return visits.save_draft(user(inspector), payload)


def submitted(answers: dict | None = None, **kwargs: object) -> Visit:
    """A visit made by ``make_visit`` and submitted at NOW."""
    visit = make_visit(answers, **kwargs)  # type: ignore[arg-type]
    payload = visits.parse_payload(visit.uuid, {**visits.draft_state(visit), "answers": {**BASE, **(answers or {})}})
    visits.submit(visit.inspector, payload, now=NOW)
    return visit


def approved(answers: dict | None = None, leader: str = "leader", **kwargs: object) -> list[Issue]:
    """A submitted visit approved by ``leader``: the issues its findings became."""
    return issues.approve(submitted(answers, **kwargs), user(leader), now=NOW)


def started_campaign(inspectors: Iterable[str] = ("inspector1", "inspector2", "inspector3"),
                     hall: str = "安远县政务服务中心", targets: int = 3) -> Campaign:
    """A campaign over every window of ``hall`` from China's today, drawn (fixed seed) among
    ``inspectors`` and started: its assignments are on their home pages."""
    from app.services.calendar import china_today
    from app.services.campaigns import planning

    leader = user("leader")
    start = china_today()
    campaign = planning.save(planning.CampaignData(
        name="2026年12月暗访", starts_on=start, ends_on=start + timedelta(days=30), survey="window-visit:2",
        targets_wanted=targets, visits_per_target=1, due_working_days=10,
        hall_window_ids=(db.session.scalar(sa.select(Hall.id).where(Hall.name == hall)),),
        inspector_ids=tuple(user(name).id for name in inspectors)), actor=leader)
    planning.run_draw(campaign, actor=leader, seed=7)
    planning.start(campaign, actor=leader)
    return campaign


def revisited(assignment, verdict: str | dict[int, str] = "fixed", answers: dict | None = None,
              item: str | None = "market-company-setup", leader: str = "leader") -> Visit:
    """The re-visit of ``assignment`` made, submitted (``verdict`` on every point, or per check
    id) and approved by ``leader``."""
    checks = visits.revisit_checks(assignment)
    given = verdict if isinstance(verdict, dict) else {c.id: verdict for c in checks}
    item_row = db.session.scalar(sa.select(ServiceItem).where(ServiceItem.code == item)) if item else None
    uuid = f"00000000-0000-4000-8000-{next(_numbers):012d}"
    payload = visits.parse_payload(uuid, {
        "window_id": assignment.window_id, "service_item_id": item_row.id if item_row else None,
        "assignment_id": assignment.id, "marks": {"arrived": T0.isoformat()},
        "answers": {**BASE, **(answers or {})}, "materials": {"ticked": [], "extra": []},
        "verdicts": {str(k): v for k, v in given.items()}})
    visit, _again = visits.submit(assignment.inspector, payload, now=NOW)
    issues.approve(visit, user(leader), now=NOW)
    return visit
