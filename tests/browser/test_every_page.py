"""Every page of every role, at 390×844: axe-core finds no accessibility violation, and a
screenshot of each is saved under test-artifacts/pages/ to be looked at.

The pages come from ``app.url_map`` (``tests/routes.py``): each GET route a role may open, its
path arguments filled from a county made there, kept when it answers an HTML page (exports,
photos and charts are files, checked elsewhere). A new page is therefore audited without
editing this test.
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.steps import sign_in
from tests.routes import ROLES, county, pages

pytestmark = pytest.mark.browser


def _violations(results) -> list[str]:
    return [f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(
        n["target"][0] if isinstance(n["target"][0], str) else str(n["target"][0]) for n in v["nodes"][:4])
        for v in results.response["violations"]]


def test_every_page_of_every_role_has_no_axe_violation(seeded, live_server, phone, screenshot_dir) -> None:
    objects = county(seeded)
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
        for page_name, path in pages(seeded, role, objects):
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
