"""Every page of every role, at 390×844: axe-core finds no accessibility violation, and a
screenshot of each is saved under test-artifacts/pages/ to be looked at.

The pages come from ``app.url_map``: each GET route a role may open, its path arguments filled
from the objects made below, kept when it answers an HTML page (exports, photos and charts are
files, checked elsewhere). A new page is therefore audited without editing this test.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe

from app.auth.access import POLICY_ATTR
from app.extensions import db
from app.models import Assignment, Campaign, Issue, Role, Visit, VisitState
from tests.browser.steps import sign_in
from tests.factories import approved, make_visit, started_campaign, submitted

pytestmark = pytest.mark.browser

#: Who is signed in, and where each lands.
ROLES = {Role.ADMIN: ("admin", "/admin/"), Role.LEADER: ("leader", "/dashboard/"),
         Role.INSPECTOR: ("inspector1", "/visits/"), Role.UNIT: ("unit-market", "/issues/")}
#: Pages a route shows only with its query arguments (the inspector's start: hall, then window).
WITH_QUERY = {"visits.start": ["", "?hall_id={hall}", "?window_id={window}"]}


def _county(app) -> dict[str, object]:
    """A visit awaiting review, an approved one with its issues, a draft and a started campaign."""
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


def _pages(app, role: Role, objects: dict[str, object]) -> list[tuple[str, str]]:
    """(name, path) of every GET route ``role`` may open, path arguments filled."""
    pages = []
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
            pages.append((name + (f"-{n}" if n else ""), path + query.format(**objects)))
    return pages


def _violations(results) -> list[str]:
    return [f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(
        n["target"][0] if isinstance(n["target"][0], str) else str(n["target"][0]) for n in v["nodes"][:4])
        for v in results.response["violations"]]


def test_every_page_of_every_role_has_no_axe_violation(seeded, live_server, phone, screenshot_dir) -> None:
    objects = _county(seeded)
    folder = screenshot_dir / "pages"
    folder.mkdir(exist_ok=True)
    axe = Axe()
    found: dict[str, list[str]] = {}
    audited = {}
    page = phone.new_page()  # before signing in: the login page
    page.goto(live_server + "/login", wait_until="load")
    page.screenshot(path=str(folder / "anonymous-login.png"), full_page=True)
    audited["anonymous-login"] = "/login"
    if problems := _violations(axe.run(page)):
        found["(anonymous) /login"] = problems
    page.close()
    for role, (username, home) in ROLES.items():
        phone.clear_cookies()  # the previous role's session
        page = phone.new_page()
        sign_in(page, live_server, username, lands_on=home)
        for page_name, path in _pages(seeded, role, objects):
            answer = phone.request.get(live_server + path, max_redirects=0)
            if answer.status != 200 or not answer.headers.get("content-type", "").startswith("text/html"):
                continue
            page.goto(live_server + path, wait_until="load")
            name = f"{role.value}-{page_name}"
            page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
            audited[name] = path
            problems = _violations(axe.run(page))
            if problems:
                found[f"{username} {path}"] = problems
        page.close()
    # Every role's own pages were reached (a broken login or filter would audit nothing).
    assert {"admin-admin-audit", "admin-admin-halls-hall_id-edit", "admin-admin-halls-new",
            "leader-dashboard-visits-visit_id", "inspector-visits-v-visit_uuid", "inspector-visits-start-2",
            "unit-issues-issue_id"} <= set(audited), sorted(audited)
    assert not found, "\n".join(f"{where}:\n  " + "\n  ".join(v) for where, v in found.items())
