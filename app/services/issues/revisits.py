"""Re-visits that verify exactly what they were sent for (复查).

A re-visit is sent for one issue, or several open issues of one window: its assignment carries
the window, the matter of the original findings, and one point to verify per finding (in the
words the unit saw). The inspector is drawn at random among those who found none of them and
have no conflict of interest. The re-visit's verdicts decide, when it is approved:

- every point of an issue checked and fixed: the issue is closed out (销号);
- a point not fixed (or the re-visit's own checklist finds the same again): the issue goes back
  to its unit, with the re-visit as a new occurrence;
- otherwise (a point could not be checked): the issue stays as it was, for another re-visit.

A materials point counts as fixed only if the re-visit went through that matter.
"""

from __future__ import annotations

import json
import random
import secrets
from datetime import date

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models import (
    Assignment,
    Category,
    Finding,
    FindingState,
    InspectorConflict,
    Issue,
    IssueState,
    Occurrence,
    RevisitCheck,
    Role,
    ServiceItem,
    User,
    Verdict,
    Visit,
    Window,
)
from app.services import visits, wording
from app.services.calendar import china_today
from app.services.campaigns import draw
from app.services.errors import ServiceError
from app.services.issues.lifecycle import LEADER_STEPS, add_event, move


def companions(issue: Issue) -> list[Issue]:
    """Other issues of the same window (or hall) that one re-visit could verify together."""
    place = Issue.window_id == issue.window_id if issue.window_id else sa.and_(
        Issue.window_id.is_(None), Issue.hall_id == issue.hall_id)
    return [i for i in db.session.scalars(sa.select(Issue).where(place, Issue.id != issue.id).order_by(Issue.id))
            if LEADER_STEPS["revisit"](i)]


def finders(issues: list[Issue]) -> set[int]:
    """The inspectors whose visits found these issues (never the ones to verify them)."""
    return {o.finding.visit.inspector_id for issue in issues for o in issue.occurrences}


def _window(issue: Issue) -> Window:
    window = issue.window or db.session.scalar(
        sa.select(Window).where(Window.hall_id == issue.hall_id, Window.active.is_(True)).order_by(Window.number))
    if window is None:
        raise ServiceError(_l("Choose an active window."))
    return window


def _points(issue: Issue) -> list[Finding]:
    """One finding per distinct problem of the issue (the latest of each title)."""
    latest: dict[tuple[str, str, str], Finding] = {}
    for occurrence in issue.occurrences:
        finding = occurrence.finding
        latest[(finding.title_zh, finding.detail, json.dumps(finding.params, sort_keys=True))] = finding
    return list(latest.values())


def _matter(points: list[Finding]) -> int | None:
    """The matter the re-visit goes through: that of a materials finding first, else the latest."""
    ordered = sorted(points, key=lambda f: (f.category is not Category.MATERIALS, -f.id))
    return next((f.visit.service_item_id for f in ordered if f.visit.service_item_id), None)


def draw_inspector(window: Window, item_unit: int | None, excluded: set[int], seed: int | None = None) -> int:
    """An active inspector drawn at random, without a conflict with the window's (or matter's) unit."""
    people = list(db.session.scalars(sa.select(User).where(User.role == Role.INSPECTOR, User.active.is_(True))
                                     .order_by(User.id)))
    conflicts: dict[int, set[int]] = {}
    for row in db.session.scalars(sa.select(InspectorConflict)):
        conflicts.setdefault(row.user_id, set()).add(row.unit_id)
    units = frozenset({window.unit_id} | ({item_unit} if item_unit else set()))
    target = draw.Target("window", window.id, window.hall_id, units, None, None)
    pool = [draw.Inspector(u.id, frozenset(({u.unit_id} if u.unit_id else set()) | conflicts.get(u.id, set())),
                           frozenset()) for u in people if u.id not in excluded]
    pool = [p for p in pool if draw.eligible(target, p)]
    if not pool:
        raise ServiceError(_l("No inspector can make this re-visit: everyone found it, or has a conflict of "
                              "interest."), field="inspector_id")
    rng = random.Random(secrets.randbits(63) if seed is None else seed)  # noqa: S311 - a fair pick, not a secret
    return rng.choice(pool).id


def send_revisit(issues: list[Issue], leader: User, inspector_id: int | None = None, due: date | None = None,
                 *, seed: int | None = None) -> Assignment:
    """One re-visit for ``issues`` (one window), by ``inspector_id`` or an inspector drawn at random."""
    if not issues:
        raise ServiceError(_l("Choose the issues to verify."))
    first = issues[0]
    for issue in issues:
        if not LEADER_STEPS["revisit"](issue):
            raise ServiceError(_l("A re-visit verifies issues whose measures were reported."))
        if (issue.window_id, issue.hall_id) != (first.window_id, first.hall_id):
            raise ServiceError(_l("One re-visit verifies issues of one window."))
    window = _window(first)
    points = [(issue, finding) for issue in issues for finding in _points(issue)]
    item_id = _matter([f for _i, f in points])
    item = db.session.get(ServiceItem, item_id) if item_id else None
    excluded = finders(issues)
    if inspector_id is None:
        inspector_id = draw_inspector(window, item.unit_id if item else None, excluded, seed)
    elif inspector_id in excluded:
        raise ServiceError(_l("The re-visit needs a different inspector."), field="inspector_id")
    numbers = "、".join(f"#{i.id}" for i in issues)
    assignment = visits.assign(visits.AssignmentData(
        inspector_id=inspector_id, window_id=window.id, service_item_id=item_id, due_date=due,
        note=str(_l("Re-visit to verify %(issues)s: see the points on the checklist.", issues=numbers))),
        actor=leader)
    for position, (issue, finding) in enumerate(points):
        with force_locale("zh_Hans"):  # kept as the inspector's Chinese checklist point
            text = wording.finding_text(finding)
        db.session.add(RevisitCheck(assignment_id=assignment.id, issue_id=issue.id, finding_id=finding.id,
                                    position=position, category=finding.category, text=text[:1200],
                                    service_item_id=finding.visit.service_item_id
                                    if finding.category is Category.MATERIALS else None))
    for issue in issues:
        issue.revisit_assignment_id = assignment.id
        if issue.state is IssueState.REPORTED:
            move(issue, IssueState.UNDER_REVIEW, leader, "revisit_assigned")
        else:
            add_event(issue, leader, "revisit_assigned")
    db.session.flush()
    return assignment


def judge(visit: Visit, confirmed: list[Finding], leader: User) -> None:
    """Decide each issue the approved re-visit was sent for, from its verdicts (see the module)."""
    if visit.assignment_id is None:
        return
    given = visits.verdicts_of(visit)
    checks = visits.revisit_checks(visit.assignment)
    for issue in db.session.scalars(sa.select(Issue).where(Issue.revisit_assignment_id == visit.assignment_id)):
        if issue.state is not IssueState.UNDER_REVIEW:
            continue
        issue.revisit_assignment_id = None
        mine = [c for c in checks if c.issue_id == issue.id]
        again = [f for f in confirmed if f.issue_id == issue.id]
        failed = [c for c in mine if given.get(c.id) is Verdict.NOT_FIXED]
        if failed or again:
            for check in failed:
                _occurrence(issue, check, visit, leader)
            issue.rework_count += 1
            source = again[0] if again else failed[0].finding
            move(issue, IssueState.IN_PROGRESS, leader, "revisit_failed",
                 params={"finding": wording.finding_titles(source)})
        elif mine and all(_fixed(c, given.get(c.id), visit) for c in mine):
            issue.closed_on = china_today()
            issue.extension_days_requested = None
            move(issue, IssueState.CLOSED, leader, "closed_by_revisit")
        else:
            add_event(issue, leader, "revisit_inconclusive")


def _fixed(check: RevisitCheck, verdict: Verdict | None, visit: Visit) -> bool:
    if verdict is not Verdict.FIXED:
        return False
    return check.service_item_id is None or check.service_item_id == visit.service_item_id


def _occurrence(issue: Issue, check: RevisitCheck, visit: Visit, leader: User) -> None:
    """The re-visit found the point not fixed: it counts against the issue as a new occurrence."""
    original = check.finding
    finding = Finding(visit_id=visit.id, rule="revisit:not_fixed", question_key=None, category=original.category,
                      severity=original.severity, hall_level=original.hall_level, title_zh=original.title_zh,
                      title_en=original.title_en, detail=original.detail, params=original.params,
                      state=FindingState.CONFIRMED,
                      manual=True, issue_id=issue.id)
    db.session.add(finding)
    db.session.flush()
    observed = china_today(visit.arrived_at or visit.submitted_at)
    db.session.add(Occurrence(issue=issue, finding=finding, observed_on=observed, recurrence=False))
    wording.retitle(issue)
