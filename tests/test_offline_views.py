"""The offline app shell, server side: /sw.js, the list of what the phone keeps, the page kept
for any visit, and the login page that purges it all (browser flows: browser/test_offline.py)."""

from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Hall, User, Window
from app.services import visits
from tests.test_visit_views import client_for, ids

SHELL = visits.SHELL_UUID


@pytest.fixture
def inspector(seeded):
    return client_for(seeded, "inspector1")


def page_data(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="visit-data">(.*?)</script>', html, re.S)
    assert match, "no visit data in the page"
    return json.loads(match.group(1))


@pytest.mark.parametrize("who", [None, "inspector1", "leader"])
def test_service_worker_is_served_from_the_root_and_never_cached(seeded, who) -> None:
    client = client_for(seeded, who) if who else seeded.test_client()
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert response.headers["Cache-Control"] == "no-store"
    assert "ETag" not in response.headers and "Last-Modified" not in response.headers
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert 'addEventListener("fetch"' in response.get_data(as_text=True)


def test_offline_kit_lists_every_start_page_and_the_visit_shells(seeded, inspector) -> None:
    response = inspector.get("/visits/api/offline")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    kit = response.get_json()
    urls = kit["urls"]
    with seeded.app_context():
        halls = db.session.scalars(sa.select(Hall).where(Hall.active.is_(True))).all()
        windows = db.session.scalars(sa.select(Window).where(Window.active.is_(True))).all()
        assert {f"/visits/start?hall_id={h.id}" for h in halls} <= set(urls)
        assert {f"/visits/start?window_id={w.id}" for w in windows if w.hall.active} <= set(urls)
    assert {"/visits/", "/visits/start", f"/visits/v/{SHELL}", f"/visits/v/{SHELL}/checklist"} <= set(urls)
    # the files under the very addresses the pages name (with their versions), as the phone asks
    page = inspector.get(f"/visits/v/{SHELL}/checklist").get_data(as_text=True)
    assets = set(re.findall(r'(?:href|src)="(/static/[^"]+)"', page))
    assert {a.split("?")[0] for a in assets} >= {"/static/js/queue.js", "/static/js/visit.js", "/static/css/ruwo.css"}
    assert assets <= set(urls)
    for url in urls:  # each answers the inspector, without a redirect, so that it can be kept
        assert inspector.get(url).status_code == 200, url
    window_id, item_id = ids(seeded)
    assert kit["catalogue"]["windows"][str(window_id)]["title"] == "安远县产城新区云服务大厅 · 01 企业登记窗口"
    item = kit["catalogue"]["items"][str(item_id)]
    assert item["name"] == "有限责任公司设立登记"
    assert {"公司章程", "企业名称预先核准通知书"} <= {m["name"] for m in item["materials"]}
    assert inspector.get("/visits/api/offline").get_json()["version"] == kit["version"]


def test_offline_kit_changes_with_the_catalogue(seeded, inspector) -> None:
    before = inspector.get("/visits/api/offline").get_json()["version"]
    window_id, _item_id = ids(seeded)
    with seeded.app_context():
        db.session.get(Window, window_id).name = "企业开办窗口"
        db.session.commit()
    after = inspector.get("/visits/api/offline").get_json()
    assert after["version"] != before
    assert after["catalogue"]["windows"][str(window_id)]["title"].endswith("01 企业开办窗口")


@pytest.mark.parametrize(("who", "status"), [(None, 401), ("leader", 403), ("unit-market", 403)])
def test_offline_kit_is_the_inspectors_only(seeded, who, status) -> None:
    client = client_for(seeded, who) if who else seeded.test_client()
    assert client.get("/visits/api/offline").status_code == status


def test_page_for_any_visit_knows_no_window(seeded, inspector) -> None:
    for path in (f"/visits/v/{SHELL}", f"/visits/v/{SHELL}/checklist"):
        response = inspector.get(path)
        assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
        data = page_data(response.get_data(as_text=True))
        assert data["shell"] is True and data["window_id"] is None and data["server"] is None
        assert data["uuid"] == SHELL and data["user"] == "inspector1"
        assert data["urls"]["kit"] == "/visits/api/offline"
    html = inspector.get(f"/visits/v/{SHELL}/checklist").get_data(as_text=True)
    assert 'data-no-guide data-abolished="已取消"' in html  # words for the materials visit.js adds
    # Any other UUID still needs its window.
    assert inspector.get("/visits/v/0c9e6a52-5d7e-4c43-9d55-2b1e3f4a5b6c").status_code == 404


def test_page_for_any_visit_of_an_assignment(seeded, inspector) -> None:
    window_id, item_id = ids(seeded)
    with seeded.app_context():
        leader = db.session.scalar(sa.select(User).where(User.username == "leader"))
        inspector_id = db.session.scalar(sa.select(User.id).where(User.username == "inspector1"))
        assignment = visits.assign(visits.AssignmentData(inspector_id, window_id, item_id), actor=leader)
        db.session.commit()
        assignment_id = assignment.id
    assert f"/visits/v/{SHELL}/checklist?assignment_id={assignment_id}" in \
        inspector.get("/visits/api/offline").get_json()["urls"]
    response = inspector.get(f"/visits/v/{SHELL}/checklist?assignment_id={assignment_id}")
    data = page_data(response.get_data(as_text=True))
    assert data["shell"] is False and data["window_id"] == window_id and data["assignment_id"] == assignment_id
    assert "公司章程" in response.get_data(as_text=True)
    # Another inspector's assignment gives only the generic page.
    other = client_for(seeded, "inspector2")
    data = page_data(other.get(f"/visits/v/{SHELL}/checklist?assignment_id={assignment_id}").get_data(as_text=True))
    assert data["shell"] is True and data["window_id"] is None


def test_phone_pages_load_the_queue_and_the_home_refreshes_the_shell(seeded, inspector) -> None:
    home = inspector.get("/visits/").get_data(as_text=True)
    assert 'id="queue"' in home and "data-refresh" in home and "/static/js/offline.js" in home
    assert 'data-worker="/sw.js"' in home and "1 条暗访记录等待上传" in home
    window_id, item_id = ids(seeded)
    checklist = inspector.get(f"/visits/v/{SHELL}/checklist?window_id={window_id}&item_id={item_id}")
    html = checklist.get_data(as_text=True)
    assert "/static/js/queue.js" in html and "data-refresh" not in html


def test_login_page_purges_what_the_worker_kept(client) -> None:
    assert "/static/js/offline-purge.js" in client.get("/login").get_data(as_text=True)
