"""The inspector's pages and JSON API through the test client: access, autosave, submit, 409."""

from __future__ import annotations

import json
import re
import threading

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Assignment, ServiceItem, User, Visit, VisitState, Window
from tests.conftest import AuthActions

UUID = "0c9e6a52-5d7e-4c43-9d55-2b1e3f4a5b6c"
COMPLETE = {"help_desk_staffed": True, "signage_found": True, "window_staffed": True, "attitude_score": 4,
            "rude_language": False, "first_contact": "handled", "one_time_notice": "written",
            "matches_online_guide": True, "outcome": "completed", "fee_asked": False}


def ids(app) -> tuple[int, int]:
    with app.app_context():
        window = db.session.scalar(sa.select(Window).where(Window.name == "企业登记窗口"))
        item = db.session.scalar(sa.select(ServiceItem).where(ServiceItem.code == "market-company-setup"))
        return window.id, item.id


def body(app, **overrides) -> dict:
    window_id, item_id = ids(app)
    data = {"window_id": window_id, "service_item_id": item_id,
            "marks": {"arrived": "2026-11-20T09:00:00+08:00", "ticket": "2026-11-20T09:01:00+08:00",
                      "called": "2026-11-20T09:31:00+08:00"},
            "answers": dict(COMPLETE), "materials": {"ticked": [], "extra": ["房东户口本"]}}
    data.update(overrides)
    return data


def client_for(app, username: str):
    client = app.test_client()
    assert AuthActions(client).login(username).status_code == 302
    return client


@pytest.fixture
def inspector(seeded):
    return client_for(seeded, "inspector1")


def put(client, data, uuid=UUID):
    return client.put(f"/visits/api/visits/{uuid}", data=json.dumps(data), content_type="application/json")


def submit(client, data, uuid=UUID):
    return client.post(f"/visits/api/visits/{uuid}/submit", data=json.dumps(data), content_type="application/json")


def test_autosave_then_pages_show_the_draft(seeded, inspector) -> None:
    response = put(inspector, body(seeded, answers={"signage_found": False}))
    assert response.status_code == 200
    assert response.get_json()["state"] == "draft"
    home = inspector.get("/visits/").get_data(as_text=True)
    assert UUID in home and "企业登记窗口" in home
    timer = inspector.get(f"/visits/v/{UUID}")
    assert timer.status_code == 200
    data = re.search(r'<script type="application/json" id="visit-data">(.*?)</script>', timer.get_data(as_text=True))
    assert json.loads(data.group(1))["server"]["answers"]["signage_found"] is False
    checklist = inspector.get(f"/visits/v/{UUID}/checklist").get_data(as_text=True)
    assert "公司章程" in checklist and "19. 哪些事情没办到、没办好" in checklist


def test_home_reads_the_same_few_statements_however_many_drafts(seeded, inspector) -> None:
    """Each draft comes with what the phone keeps of it (answers, materials, verdicts, photos):
    read for the whole list at once, not once per draft."""
    seen: list[str] = []

    def statements_on_home() -> int:
        seen.clear()
        page = inspector.get("/visits/")
        assert page.status_code == 200
        return len(seen)

    with seeded.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", lambda conn, cursor, statement, *a: seen.append(statement))
    assert put(inspector, body(seeded), uuid="11111111-1111-4111-8111-111111111111").status_code == 200
    one = statements_on_home()
    for n in range(2, 6):
        assert put(inspector, body(seeded), uuid=f"{n}{n}{n}{n}{n}{n}{n}{n}-1111-4111-8111-111111111111").status_code == 200
    assert statements_on_home() == one
    kept = re.search(r'<script type="application/json" id="kept-drafts">(.*?)</script>',
                     inspector.get("/visits/").get_data(as_text=True))
    drafts = json.loads(kept.group(1))
    assert len(drafts) == 5 and all(d["materials"]["extra"] == ["房东户口本"] and d["answers"] == COMPLETE
                                    and d["verdicts"] == {} and d["photos"] == [] for d in drafts)


def test_new_visit_page_before_any_autosave(seeded, inspector) -> None:
    window_id, item_id = ids(seeded)
    page = inspector.get(f"/visits/v/{UUID}?window_id={window_id}&item_id={item_id}")
    assert page.status_code == 200
    assert inspector.get(f"/visits/v/{UUID}").status_code == 404  # nothing to show it from


def test_a_new_visits_window_hall_and_matter_come_in_one_query_and_the_guide_as_rows(seeded) -> None:
    from app.services import catalogue

    window_id, item_id = ids(seeded)
    with seeded.app_context():
        window, item = db.session.get(Window, window_id), db.session.get(ServiceItem, item_id)
        place = catalogue.place(window_id, item_id)
        assert place == catalogue.place_of(window, item) == (
            window_id, window.number, window.name, window.hall.name, item_id, item.name)
        assert place.title == window.title == f"{window.hall.name} · {window.number} {window.name}"
        rows = catalogue.guide_rows(item_id)
        assert [(r[0], r[2], r[3], r[4], r[5]) for r in rows] == [
            (m.id, m.name, m.condition, m.abolished, m.obtainable_by_sharing) for m in item.materials]
        assert len(rows) > 1 and len({r[0] for r in rows}) == len(rows)  # each once, in the guide's order
        assert catalogue.guide_rows(0) == ()
        assert catalogue.place(window_id, 0) == catalogue.place_of(window, None)
        assert catalogue.place(window_id, 0).item_name is None
        assert catalogue.place(0, item_id) is None


def test_the_checklist_names_the_place_of_a_new_and_of_a_saved_visit(seeded, inspector) -> None:
    window_id, item_id = ids(seeded)
    where = re.compile(r'<p class="muted" data-where>(.*?)</p>')
    place = "安远县产城新区云服务大厅 · 01 企业登记窗口<br>有限责任公司设立登记"
    new = inspector.get(f"/visits/v/{UUID}/checklist?window_id={window_id}&item_id={item_id}")
    assert where.search(new.get_data(as_text=True)).group(1) == place
    no_matter = inspector.get(f"/visits/v/{UUID}/checklist?window_id={window_id}&item_id=0")
    assert where.search(no_matter.get_data(as_text=True)).group(1) == place.split("<br>")[0]
    assert put(inspector, body(seeded)).status_code == 200
    saved = inspector.get(f"/visits/v/{UUID}/checklist").get_data(as_text=True)
    assert where.search(saved).group(1) == place and "公司章程" in saved


def test_a_saved_visits_pages_read_its_place_once_and_no_verdicts_without_an_assignment(seeded, inspector) -> None:
    assert put(inspector, body(seeded)).status_code == 200
    seen: list[str] = []
    with seeded.app_context():
        engine = db.engine

    def count(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        for page in (f"/visits/v/{UUID}", f"/visits/v/{UUID}/checklist"):
            seen.clear()
            assert inspector.get(page).status_code == 200
            assert sum("FROM windows" in s for s in seen) == 1  # window, hall and matter in one
            assert not any("revisit_verdicts" in s for s in seen)  # a re-visit's only
            if page.endswith(UUID):  # the timer: user, visit, place, answers, materials, photos
                assert len(seen) == 6
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


def test_submit_twice_same_visit_then_409(seeded, inspector) -> None:
    first = submit(inspector, body(seeded))
    assert first.status_code == 200
    again = submit(inspector, body(seeded))
    assert again.status_code == 200
    assert again.get_json()["id"] == first.get_json()["id"] and again.get_json()["repeated"]
    different = submit(inspector, body(seeded, answers={**COMPLETE, "attitude_score": 1}))
    assert different.status_code == 409
    assert put(inspector, body(seeded)).status_code == 409  # read-only now
    with seeded.app_context():
        visit = db.session.scalar(sa.select(Visit))
        assert visit.state == VisitState.SUBMITTED and visit.answers_dict()["attitude_score"] == 4
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit)) == 1
    assert inspector.get(f"/visits/v/{UUID}").location == f"/visits/v/{UUID}/view"
    view = inspector.get(f"/visits/v/{UUID}/view").get_data(as_text=True)
    assert "房东户口本" in view and "指南外" in view and "等待审核" in view
    with seeded.app_context():  # the home page lists it under Submitted, with its place and state
        window = db.session.get(Window, visit.window_id)
        place = f"{window.hall.name} · {window.number} {window.name}"
    submitted = inspector.get("/visits/").get_data(as_text=True).split("<h2>已提交</h2>")[1]
    assert f'href="/visits/v/{UUID}/view"><strong>{place}</strong>' in submitted and "等待审核" in submitted


def test_submit_with_missing_answers_is_422_and_keeps_the_draft(seeded, inspector) -> None:
    response = submit(inspector, body(seeded, answers={"signage_found": True}))
    assert response.status_code == 422
    problems = response.get_json()["problems"]
    assert problems["outcome"] == "请回答此问题。"
    with seeded.app_context():
        assert db.session.scalar(sa.select(Visit)) is None or db.session.scalar(sa.select(Visit)).state == VisitState.DRAFT


def test_concurrent_submits_of_one_uuid_make_one_visit(seeded) -> None:
    clients = [client_for(seeded, "inspector1") for _ in range(5)]
    results: list[int] = []

    def go(client) -> None:
        results.append(submit(client, body(seeded)).status_code)

    threads = [threading.Thread(target=go, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200] * 5
    with seeded.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit)) == 1


def test_bad_payloads_are_400(seeded, inspector) -> None:
    assert put(inspector, {"window_id": "x"}).status_code == 400
    assert put(inspector, body(seeded), uuid="not-a-uuid").status_code == 400
    assert inspector.put(f"/visits/api/visits/{UUID}", data="not json", content_type="application/json").status_code == 400


def test_discard_a_draft(seeded, inspector) -> None:
    put(inspector, body(seeded))
    response = inspector.post(f"/visits/v/{UUID}/discard")
    assert response.status_code == 302
    with seeded.app_context():
        assert db.session.scalar(sa.select(Visit)) is None


def test_cannot_discard_a_submitted_visit(seeded, inspector) -> None:
    submit(inspector, body(seeded))
    assert inspector.post(f"/visits/v/{UUID}/discard").status_code == 409


def test_other_inspectors_see_nothing(seeded, inspector) -> None:
    put(inspector, body(seeded))
    other = client_for(seeded, "inspector2")
    for path in (f"/visits/v/{UUID}", f"/visits/v/{UUID}/checklist", f"/visits/v/{UUID}/view"):
        assert other.get(path).status_code == 404, path
    assert put(other, body(seeded)).status_code == 404
    assert submit(other, body(seeded)).status_code == 404
    assert UUID not in other.get("/visits/").get_data(as_text=True)


@pytest.mark.parametrize("username", ["unit-market", "leader", "admin"])
def test_other_roles_are_refused(seeded, inspector, username) -> None:
    put(inspector, body(seeded))
    client = client_for(seeded, username)
    for path in ("/visits/", "/visits/start", f"/visits/v/{UUID}", f"/visits/v/{UUID}/view"):
        assert client.get(path).status_code == 403, path
    response = put(client, body(seeded))
    assert response.status_code == 403 and response.is_json


def test_anonymous_api_gets_401_json(seeded) -> None:
    client = seeded.test_client()
    response = put(client, body(seeded))
    assert response.status_code == 401
    assert response.get_json()["error"] == 401
    assert client.get("/visits/api/session").status_code == 401
    assert client.get(f"/visits/v/{UUID}").location.startswith("/login?next=")


def test_session_endpoint_gives_a_fresh_token(seeded, inspector) -> None:
    data = inspector.get("/visits/api/session").get_json()
    assert data["csrf_token"] and data["user"] == "inspector1"


def test_api_needs_a_csrf_token(app_factory) -> None:
    from app.services import demo
    from app.services.accounts import hasher_from_config
    from tests.conftest import PASSWORD, csrf_token

    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        demo.seed(PASSWORD, hasher_from_config(app.config), reset_passwords=False)
        db.session.commit()
    client = app.test_client()
    token = csrf_token(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"username": "inspector1", "password": PASSWORD, "csrf_token": token})
    data = json.dumps(body(app))
    refused = client.put(f"/visits/api/visits/{UUID}", data=data, content_type="application/json")
    assert refused.status_code == 400 and refused.is_json
    fresh = client.get("/visits/api/session").get_json()["csrf_token"]
    accepted = client.put(f"/visits/api/visits/{UUID}", data=data, content_type="application/json",
                          headers={"X-CSRFToken": fresh})
    assert accepted.status_code == 200


def test_start_steps(seeded, inspector) -> None:
    assert "安远县产城新区云服务大厅" in inspector.get("/visits/start").get_data(as_text=True)
    with seeded.app_context():
        window = db.session.scalar(sa.select(Window).where(Window.name == "企业登记窗口"))
        hall_id, window_id = window.hall_id, window.id
    assert "企业登记窗口" in inspector.get(f"/visits/start?hall_id={hall_id}").get_data(as_text=True)
    page = inspector.get(f"/visits/start?window_id={window_id}").get_data(as_text=True)
    assert "有限责任公司设立登记" in page and "data-start" in page


def test_leader_assigns_and_inspector_sees_it(seeded) -> None:
    leader = client_for(seeded, "leader")
    with seeded.app_context():
        inspector_id = db.session.scalar(sa.select(User.id).where(User.username == "inspector1"))
    window_id, item_id = ids(seeded)
    response = leader.post("/dashboard/assignments", data={
        "inspector_id": inspector_id, "window_id": window_id, "service_item_id": item_id,
        "persona": "想开一家小餐馆的个体户", "due_date": "2026-12-01", "note": ""})
    assert response.status_code == 302
    assert "想开一家小餐馆的个体户" in leader.get("/dashboard/assignments").get_data(as_text=True)
    home = client_for(seeded, "inspector1").get("/visits/").get_data(as_text=True)
    assert "想开一家小餐馆的个体户" in home and "开始这次暗访" in home
    with seeded.app_context():
        window, item = db.session.get(Window, window_id), db.session.get(ServiceItem, item_id)
        title, matter = f"{window.hall.name} · {window.number} {window.name}", item.name
        assignment_id = db.session.scalar(sa.select(Assignment.id).where(Assignment.inspector_id == inspector_id))
    card = home.split('id="assignments"')[1].split("</ul>")[0]
    assert f"<strong>{title}</strong>" in card and f"<br>{matter}" in card and "2026-12-01" in card
    assert (f'data-title="{title}" data-window="{window_id}" data-item="{item_id}" '
            f'data-assignment="{assignment_id}"') in card


def test_leader_cannot_send_an_inspector_to_their_own_unit(seeded) -> None:
    leader = client_for(seeded, "leader")
    with seeded.app_context():
        inspector = db.session.scalar(sa.select(User).where(User.username == "inspector2"))  # water
        window = db.session.scalar(sa.select(Window).where(Window.name == "用水报装窗口"))
        data = {"inspector_id": inspector.id, "window_id": window.id, "service_item_id": 0}
    page = leader.post("/dashboard/assignments", data=data).get_data(as_text=True)
    assert "暗访员不能暗访本单位的窗口" in page


def test_surveys_check_command(runner, tmp_path) -> None:
    result = runner.invoke(args=["surveys", "check"])
    assert result.exit_code == 0, result.output
    assert "window-visit version 2: 19 sections" in result.output
    (tmp_path / "bad.yaml").write_text(
        "key: t\nversion: 1\ntitle: {zh: 标题, en: Title}\nsections:\n"
        "  - key: s\n    title: {zh: 节, en: S}\n    questions:\n"
        "      - {key: colour, type: slider, label: {zh: 颜色, en: Colour}}\n", encoding="utf-8")
    result = runner.invoke(args=["surveys", "check", str(tmp_path)])
    assert result.exit_code == 1
    assert "bad.yaml" in result.output and "question 'colour'" in result.output and "type" in result.output
