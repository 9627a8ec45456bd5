"""Every GET route of every role, its path arguments filled from a county the tests made
(``county``): what the page audits and the statement counts walk, so a new page is covered
without editing them."""

from __future__ import annotations

import re

import sqlalchemy as sa

from app.auth.access import POLICY_ATTR
from app.extensions import db
from app.models import Assignment, Campaign, Issue, Role, Visit, VisitState
from tests.factories import approved, make_visit, started_campaign, submitted

#: Who is signed in, and where each lands.
ROLES = {Role.ADMIN: ("admin", "/admin/"), Role.LEADER: ("leader", "/dashboard/"),
         Role.INSPECTOR: ("inspector1", "/visits/"), Role.UNIT: ("unit-market", "/issues/")}
#: Pages a route shows only with its query arguments (the inspector's start: hall, then window).
WITH_QUERY = {"visits.start": ["", "?hall_id={hall}", "?window_id={window}"]}


def county(app) -> dict[str, object]:
    """A visit awaiting review, an approved one with its issues, a draft and a started campaign;
    the objects the routes' arguments name."""
    with app.app_context():
        issues = approved({"attitude_score": 1, "rude_language": True}, wait=52, extra=["营业执照复印件"])
        pending = submitted({"attitude_score": 2}, wait=20)
        draft = make_visit({"attitude_score": 4}, wait=5)
        started_campaign()
        db.session.commit()
        assert issues and db.session.get(Visit, pending.id).state == VisitState.SUBMITTED
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Assignment)) >= 3
        return {"visit_id": pending.id, "issue_id": issues[0].id, "campaign_id": db.session.scalar(
            sa.select(Campaign.id)), "draft": draft.uuid, "submitted": db.session.get(Visit, pending.id).uuid,
            "unit_id": issues[0].lead_unit_id, "window": draft.window_id, "hall": db.session.get(
                Issue, issues[0].id).window.hall_id}


def pages(app, role: Role, objects: dict[str, object]) -> list[tuple[str, str]]:
    """(name, path) of every GET route ``role`` may open, path arguments filled."""
    found = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        policy = getattr(app.view_functions[rule.endpoint], POLICY_ATTR, "public")
        if "GET" not in rule.methods or rule.endpoint == "static" or (policy != "public" and role not in policy):
            continue
        if rule.endpoint == "visits.view":
            values = {"visit_uuid": objects["submitted"]}
        elif "visit_uuid" in rule.arguments:
            values = {"visit_uuid": objects["draft"]}
        else:
            values = {a: objects.get(a, 1) for a in rule.arguments}
        if any(a in rule.arguments for a in ("job_id", "photo_uuid", "evidence_uuid", "name")):
            continue  # files, and a job there is none of
        path = rule.build(values, append_unknown=False)[1]
        for n, query in enumerate(WITH_QUERY.get(rule.endpoint, [""])):
            name = re.sub(r"<(?:\w+:)?(\w+)>", r"\1", rule.rule).strip("/").replace("/", "-") or "home"
            found.append((name + (f"-{n}" if n else ""), path + query.format(**objects)))
    return found
