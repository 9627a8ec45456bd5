"""The review and rectification pages: the whole loop through the test client, an authorization
matrix over every route of the area, and an anonymity crawl of everything a unit can reach."""

from __future__ import annotations

import io
import re
from urllib.parse import urljoin, urlsplit

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Issue, IssueState, RevisitCheck, User, Visit, VisitState
from app.services import issues
from tests.factories import approved, submitted, user
from tests.photo_samples import encoded
from tests.test_visit_views import COMPLETE, body, client_for, put, submit

UUID2 = "1c9e6a52-5d7e-4c43-9d55-2b1e3f4a5b6c"
MARKER_NAME, MARKER_PHONE = "MARKER暗访员甲", "13912345678"
RETURN_MARKER = "RETURNMARKER请核实"


def submit_visit(app, client, uuid=None, **answers):
    kwargs = {"uuid": uuid} if uuid else {}
    response = submit(client, body(app, answers={**COMPLETE, **answers}), **kwargs)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["id"]


def one_issue(app) -> Issue:
    return db.session.scalar(sa.select(Issue))


@pytest.fixture
def loop(seeded):
    """inspector1 submits a visit with a poor attitude and an extra material; leader approves."""
    inspector = client_for(seeded, "inspector1")
    put(inspector, body(seeded))
    inspector.post("/visits/api/visits/0c9e6a52-5d7e-4c43-9d55-2b1e3f4a5b6c/photos", content_type="multipart/form-data",
                   data={"file": (io.BytesIO(encoded("JPEG")), "p.jpg"),
                         "photo_uuid": "6f1e0c2a-7b3d-4e8f-9a1b-2c3d4e5f6a7b", "question_key": "summary_photo"})
    visit_id = submit_visit(seeded, inspector, attitude_score=1)
    leader = client_for(seeded, "leader")
    return {"inspector": inspector, "leader": leader, "visit_id": visit_id}


def test_the_review_shows_the_evidence_then_says_what_approving_will_do_and_did(seeded, loop) -> None:
    leader, visit_id = loop["leader"], loop["visit_id"]
    page = leader.get(f"/dashboard/visits/{visit_id}").get_data(as_text=True)
    # Timings, position and photos come before the decision; the answers after it.
    assert page.index("计时记录") < page.index("位置") < page.index("照片") < page.index("审核决定")
    assert page.index("审核决定") < page.index("服务态度评分")
    assert "审核通过将生成 3 个问题，交办 1 个单位：县市场监督管理局。" in page
    done = leader.post(f"/dashboard/visits/{visit_id}/approve", follow_redirects=True).get_data(as_text=True)
    assert "审核通过：生成 3 个问题，交办 1 个单位。" in done
    with seeded.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Issue)) == 3
    # A second visit to the same window joins the open issues: the page says so before approving.
    again = submit_visit(seeded, loop["inspector"], uuid=UUID2, attitude_score=1)
    page = leader.get(f"/dashboard/visits/{again}").get_data(as_text=True)
    assert "其中 3 个问题尚未销号：本次暗访计入该问题。" in page
    leader.post("/language", data={"lang": "en"})
    page = leader.get(f"/dashboard/visits/{again}").get_data(as_text=True)
    assert "Approving makes 3 issues, sent to 1 unit: " in page


def test_review_then_issues_reach_the_unit(seeded, loop) -> None:
    leader, visit_id = loop["leader"], loop["visit_id"]
    unit = client_for(seeded, "unit-market")
    assert "服务态度差" not in unit.get("/issues/").get_data(as_text=True)  # not before approval
    page = leader.get(f"/dashboard/visits/{visit_id}").get_data(as_text=True)
    assert "服务态度差" in page and "多要材料" in page and "房东户口本" in page
    assert leader.post(f"/dashboard/visits/{visit_id}/approve").status_code == 302
    with seeded.app_context():
        assert db.session.get(Visit, visit_id).state == VisitState.APPROVED
        titles = set(db.session.scalars(sa.select(Issue.title)))
    assert titles == {"服务态度差", "多要材料", "等候时间过长"}  # the test visit waited 30 minutes
    home = unit.get("/issues/").get_data(as_text=True)
    assert "服务态度差" in home and "多要材料" in home and "个问题待整改反馈" in home
    assert "2 条" not in leader.get("/dashboard/").get_data(as_text=True)


def test_leader_dismisses_regrades_adds_and_returns(seeded, loop) -> None:
    leader, visit_id = loop["leader"], loop["visit_id"]
    with seeded.app_context():
        visit = db.session.get(Visit, visit_id)
        by_title = {f.title_zh: f.id for f in visit_findings(visit)}
    leader.post(f"/dashboard/visits/{visit_id}/findings/{by_title['多要材料']}/dismiss")
    leader.post(f"/dashboard/visits/{visit_id}/findings/{by_title['服务态度差']}/regrade", data={"severity": "critical"})
    leader.post(f"/dashboard/visits/{visit_id}/findings", data={
        "title": "叫号屏故障", "category": "environment", "severity": "low", "detail": "", "hall_level": "y"})
    response = leader.post(f"/dashboard/visits/{visit_id}/return", data={"comment": "请补充等候人数"})
    assert response.status_code == 302
    home = loop["inspector"].get("/visits/").get_data(as_text=True)
    assert "条暗访记录被退回修改" in home
    checklist = loop["inspector"].get("/visits/v/0c9e6a52-5d7e-4c43-9d55-2b1e3f4a5b6c/checklist").get_data(as_text=True)
    assert "请补充等候人数" in checklist


def test_the_blank_finding_form_is_kept_per_language_and_a_refused_one_shows_what_was_typed(
        seeded, loop, deployed_cache) -> None:
    from app.extensions import cache

    leader, visit_id = loop["leader"], loop["visit_id"]
    first = leader.get(f"/dashboard/visits/{visit_id}").get_data(as_text=True)
    with seeded.app_context():
        assert any("review-manual-finding" in key for key in cache.cache._cache)
    form = re.search(r'<form method="post" action="/dashboard/visits/\d+/findings".*?</form>', first, re.S).group(0)
    assert 'name="csrf_token"' in form and 'name="title"' in form and 'value="attitude"' in form and "针对大厅整体" in form
    fields = form[form.index('name="title"'):]  # the kept part (the CSRF token is signed anew each second)
    assert fields in leader.get(f"/dashboard/visits/{visit_id}").get_data(as_text=True)
    # the answers are kept rendered too, per answers: another visit shows its own
    other_id = submit_visit(seeded, loop["inspector"], uuid=UUID2, attitude_score=5)
    score = re.compile(r"服务态度评分.*?</dt>\s*<dd>(\d)</dd>", re.S)
    assert score.search(first).group(1) == "1"
    assert score.search(leader.get(f"/dashboard/visits/{other_id}").get_data(as_text=True)).group(1) == "5"
    refused = leader.post(f"/dashboard/visits/{visit_id}/findings",
                          data={"title": "叫号屏故障", "category": "nonsense", "severity": "low"})
    assert refused.status_code == 422 and 'value="叫号屏故障"' in refused.get_data(as_text=True)
    leader.post("/language", data={"lang": "en"})
    english = leader.get(f"/dashboard/visits/{visit_id}").get_data(as_text=True)
    assert "About the hall, not a window" in english and "针对大厅整体" not in english


def visit_findings(visit):
    from app.services import checklists

    return checklists.of_visit(visit)


def approve(loop) -> None:
    assert loop["leader"].post(f"/dashboard/visits/{loop['visit_id']}/approve").status_code == 302


def test_a_refused_review_step_shows_the_review_page_again(seeded, loop) -> None:
    approve(loop)
    again = loop["leader"].post(f"/dashboard/visits/{loop['visit_id']}/approve")
    assert again.status_code == 422
    page = again.get_data(as_text=True)
    assert 'class="flash flash-error"' in page and "服务态度差" in page


def test_unit_reports_with_evidence_and_leader_closes(seeded, loop) -> None:
    approve(loop)
    unit = client_for(seeded, "unit-market")
    with seeded.app_context():
        issue_id = db.session.scalar(sa.select(Issue.id).where(Issue.title == "服务态度差"))
    unit.post(f"/issues/{issue_id}/start")
    response = unit.post(f"/issues/{issue_id}/report", content_type="multipart/form-data", data={
        "measures": "对窗口人员进行约谈和服务礼仪培训", "evidence": (io.BytesIO(encoded("JPEG", (800, 600))), "培训.jpg")})
    assert response.status_code == 302
    page = unit.get(f"/issues/{issue_id}").get_data(as_text=True)
    assert "已反馈整改措施" in page and "/photos/evidence/" in page
    evidence_url = re.search(r'href="(/photos/evidence/[^"]+\.jpg)"', page).group(1)
    assert unit.get(evidence_url).status_code == 200
    assert client_for(seeded, "unit-water").get(evidence_url).status_code == 404
    leader = loop["leader"]
    leader.post(f"/issues/{issue_id}/review")
    leader.post(f"/issues/{issue_id}/close", data={"note": "培训记录和照片齐全"})
    with seeded.app_context():
        assert db.session.get(Issue, issue_id).state == IssueState.CLOSED
    assert "根据佐证材料销号" in unit.get(f"/issues/{issue_id}").get_data(as_text=True)


def test_refused_evidence_shows_the_page_again_with_why_and_keeps_nothing(seeded, loop) -> None:
    approve(loop)
    unit = client_for(seeded, "unit-market")
    uploads = seeded.extensions["ruwo_storage"].root
    with seeded.app_context():
        issue_id = db.session.scalar(sa.select(Issue.id).where(Issue.title == "服务态度差"))
        events = len(db.session.get(Issue, issue_id).events)
    files_before = sorted(p for p in uploads.rglob("*") if p.is_file())
    response = unit.post(f"/issues/{issue_id}/report", content_type="multipart/form-data", data={
        "measures": "约谈窗口人员并培训", "evidence": (io.BytesIO(b"%PDF-1.4 not a photo"), "培训.jpg")})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "这个文件不是照片" in page  # the reason, in Chinese
    assert "约谈窗口人员并培训" in page  # what the unit typed is still there
    assert 'name="evidence"' in page
    missing = unit.post(f"/issues/{issue_id}/report", content_type="multipart/form-data", data={"measures": " "})
    assert missing.status_code == 422 and "此项必填" in missing.get_data(as_text=True)
    with seeded.app_context():
        issue = db.session.get(Issue, issue_id)
        assert issue.state == IssueState.ASSIGNED and len(issue.events) == events
    assert sorted(p for p in uploads.rglob("*") if p.is_file()) == files_before


def test_evidence_larger_than_the_app_accepts_is_413(app_factory) -> None:
    from tests.conftest import PASSWORD

    application = app_factory(MAX_CONTENT_LENGTH=2048)
    with application.app_context():
        from app.services import demo
        from app.services.accounts import hasher_from_config

        demo.seed(PASSWORD, hasher_from_config(application.config), reset_passwords=False)
        db.session.commit()
    unit = client_for(application, "unit-market")
    response = unit.post("/issues/1/report", content_type="multipart/form-data",
                         headers={"Referer": "http://localhost/issues/1"},
                         data={"measures": "x", "evidence": (io.BytesIO(b"\xff" * 4096), "big.jpg")})
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "超过了系统允许的大小" in page and 'href="http://localhost/issues/1"' in page


def test_unit_cannot_see_another_units_issue(seeded, loop) -> None:
    approve(loop)
    with seeded.app_context():
        issue_id = db.session.scalar(sa.select(Issue.id))
    other = client_for(seeded, "unit-water")
    assert other.get(f"/issues/{issue_id}").status_code == 404
    assert other.post(f"/issues/{issue_id}/start").status_code == 404
    assert "服务态度差" not in other.get("/issues/").get_data(as_text=True)


def test_issue_list_filters(seeded, loop) -> None:
    approve(loop)
    leader = loop["leader"]
    assert "服务态度差" in leader.get("/issues/all?category=attitude").get_data(as_text=True)
    assert "服务态度差" not in leader.get("/issues/all?category=fees").get_data(as_text=True)
    assert "服务态度差" not in leader.get("/issues/all?overdue=1").get_data(as_text=True)
    assert leader.get("/issues/all?sort=severity&state=bogus").status_code == 200


def test_issue_list_offers_active_halls_and_their_active_windows(seeded) -> None:
    from app.models import Hall, Window

    with seeded.app_context():
        window = db.session.scalars(sa.select(Window).where(Window.active.is_(True)).order_by(Window.id)).first()
        hall, closed = window.hall, window.hall.windows[-1]
        closed.active = False
        empty = Hall(name="空大厅", kind=hall.kind)
        gone = Hall(name="已撤销大厅", kind=hall.kind, active=False)
        db.session.add_all([empty, gone])
        db.session.commit()
        hall_name, window_id, closed_id = hall.name, window.id, closed.id
    page = client_for(seeded, "leader").get("/issues/all").get_data(as_text=True)
    hall_select = re.search(r'<select name="hall">(.*?)</select>', page).group(1)
    window_select = re.search(r'<select name="window">(.*?)</select>', page).group(1)
    assert hall_name in hall_select and "空大厅" in hall_select and "已撤销大厅" not in hall_select
    group = re.search(rf'<optgroup label="{hall_name}">(.*?)</optgroup>', window_select).group(1)
    assert f'value="{window_id}"' in group and f'value="{closed_id}"' not in window_select


def test_revisit_from_the_issue_closes_it(seeded, loop) -> None:
    approve(loop)
    with seeded.app_context():
        issue_id = db.session.scalar(sa.select(Issue.id).where(Issue.title == "服务态度差"))
        inspector3 = db.session.scalar(sa.select(User.id).where(User.username == "inspector3"))
    unit = client_for(seeded, "unit-market")
    unit.post(f"/issues/{issue_id}/report", content_type="multipart/form-data", data={"measures": "已整改"})
    loop["leader"].post(f"/issues/{issue_id}/revisit", data={"inspector_id": inspector3})
    revisiter = client_for(seeded, "inspector3")
    home = revisiter.get("/visits/").get_data(as_text=True)
    assert f"复查问题 #{issue_id}" in home
    with seeded.app_context():
        assignment_id = db.session.get(Issue, issue_id).revisit_assignment_id
        points = db.session.scalars(sa.select(RevisitCheck.id).where(RevisitCheck.assignment_id == assignment_id)).all()
    assert len(points) == 1
    unanswered = submit(revisiter, body(seeded, assignment_id=assignment_id), uuid=UUID2)
    assert unanswered.status_code == 422 and f"verify_{points[0]}" in unanswered.get_json()["problems"]
    response = submit(revisiter, {**body(seeded, assignment_id=assignment_id), "verdicts": {str(points[0]): "fixed"}},
                      uuid=UUID2)
    assert response.status_code == 200
    loop["leader"].post(f"/dashboard/visits/{response.get_json()['id']}/approve")
    with seeded.app_context():
        assert db.session.get(Issue, issue_id).state == IssueState.CLOSED


# --- Authorization matrix ------------------------------------------------------------------------

AREA = ("issues.", "dashboard.visit", "dashboard.approve", "dashboard.return", "dashboard.finding",
        "dashboard.add_finding", "photos.evidence", "admin.calendar", "notifications.", "exports.")
EVERYONE = {"admin", "leader", "inspector", "unit"}
#: endpoint prefix -> roles allowed (anything else: 403, or 404 for another unit's issue).
POLICY = {
    "issues.index": {"unit"}, "issues.listing": {"leader"}, "issues.detail": {"leader", "unit-own"},
    "issues.start": {"unit-own"}, "issues.report": {"unit-own"}, "issues.explain": {"unit-own"},
    "issues.extension": {"unit-own"}, "issues.begin_review": {"leader"}, "issues.send_back": {"leader"},
    "issues.close": {"leader"}, "issues.revisit": {"leader"}, "issues.escalate": {"leader"},
    "issues.decide_extension": {"leader"}, "issues.settings": {"leader"}, "issues.contest": {"unit-own"},
    "issues.transfer": {"leader"}, "issues.dismiss_finding": {"leader"}, "issues.reject_contest": {"leader"},
    "issues.ledger": {"leader"}, "issues.unit_ledger": {"unit"}, "issues.unit_notice": {"unit"},
    "issues.notice": {"leader"}, "issues.unit_notice_pdf": {"unit"}, "issues.notice_pdf": {"leader"},
    "issues.period_circular": {"leader"}, "issues.period_circular_pdf": {"leader"},
    "issues.notice_number": {"leader"}, "issues.period_number": {"leader"},
    "dashboard.visit_list": {"leader"}, "dashboard.visit_detail": {"leader"}, "dashboard.approve_visit": {"leader"},
    "dashboard.return_visit": {"leader"}, "dashboard.finding_action": {"leader"}, "dashboard.add_finding": {"leader"},
    "photos.evidence": {"leader", "admin", "unit-own"}, "photos.evidence_thumb": {"leader", "admin", "unit-own"},
    "admin.calendar_days": {"admin"}, "admin.calendar_remove": {"admin"},
    # Everyone has notifications and exports of their own; another's job does not exist for them.
    "notifications.index": EVERYONE, "notifications.open_one": EVERYONE, "notifications.read_all": EVERYONE,
    "exports.index": EVERYONE, "exports.start": EVERYONE, "exports.detail": {"leader"}, "exports.status": {"leader"},
    "exports.download": {"leader"},
}
ACTORS = {"admin": "admin", "leader": "leader", "inspector": "inspector2", "unit-own": "unit-market",
          "unit-other": "unit-water"}


def test_every_route_of_the_area_has_a_policy(app) -> None:
    endpoints = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith(AREA)}
    assert endpoints == set(POLICY)


def test_authorization_matrix(seeded, loop) -> None:
    approve(loop)
    unit = client_for(seeded, "unit-market")
    with seeded.app_context():
        issue = db.session.scalar(sa.select(Issue).where(Issue.title == "服务态度差"))
        issue_id, unit_id = issue.id, issue.lead_unit_id
    unit.post(f"/issues/{issue_id}/report", content_type="multipart/form-data", data={
        "measures": "措施", "evidence": (io.BytesIO(encoded("JPEG")), "e.jpg")})
    with seeded.app_context():
        evidence_uuid = db.session.get(Issue, issue_id).events[-1].evidence[0].uuid
        finding_id = visit_findings(db.session.get(Visit, loop["visit_id"]))[0].id
    with seeded.app_context():  # the leader's export, and a notification of the unit's
        from app.models import Notification, User
        from app.services import jobs

        leader_user = db.session.scalar(sa.select(User).where(User.username == "leader"))
        job_id = jobs.create("issues.ledger", {}, leader_user, "zh_Hans").id
        note_id = db.session.scalar(sa.select(Notification.id).join(Notification.user)
                                    .where(User.username == "unit-market"))
        db.session.commit()
        from app import jobs as queue

        queue.enqueue(job_id)  # made at once in tests: its download exists
    values = {"issue_id": issue_id, "visit_id": loop["visit_id"], "finding_id": finding_id, "action": "restore",
              "decision": "refuse", "evidence_uuid": evidence_uuid, "day": "2027-10-09",
              "unit_id": unit_id, "job_id": job_id, "notification_id": note_id}
    clients = {name: client_for(seeded, username) for name, username in ACTORS.items()}
    clients["anonymous"] = seeded.test_client()
    mismatches = []
    for rule in seeded.url_map.iter_rules():
        if rule.endpoint not in POLICY:
            continue
        path = rule.build({a: values[a] for a in rule.arguments}, append_unknown=False)[1]
        method = "GET" if "GET" in rule.methods else "POST"
        for actor, client in clients.items():
            # Only reading routes are tried for the allowed actors: the steps change state.
            if actor.split("-")[0] in {p.split("-")[0] for p in POLICY[rule.endpoint]} and method == "POST":
                continue
            status = client.open(path, method=method).status_code
            allowed = actor in POLICY[rule.endpoint] or (actor.startswith("unit") and "unit" in POLICY[rule.endpoint])
            if actor == "anonymous":
                ok = status == 302
            elif allowed:
                ok = status in (200, 302)
            else:
                ok = status in (403, 404)
            if not ok:
                mismatches.append((rule.endpoint, actor, status))
    assert mismatches == []


# --- Anonymity crawl -------------------------------------------------------------------------------

HHMM = re.compile(r"(?<![\d:])(?:[01]\d|2[0-3]):[0-5]\d(?![\d])")


def test_units_never_learn_who_visited_or_when(seeded) -> None:
    with seeded.app_context():
        for name in ("inspector1", "inspector3"):
            inspector = db.session.scalar(sa.select(User).where(User.username == name))
            inspector.display_name, inspector.phone = MARKER_NAME + name, MARKER_PHONE
        db.session.commit()
    inspector = client_for(seeded, "inspector1")
    put(inspector, body(seeded))
    inspector.post("/visits/api/visits/0c9e6a52-5d7e-4c43-9d55-2b1e3f4a5b6c/photos", content_type="multipart/form-data",
                   data={"file": (io.BytesIO(encoded("JPEG")), "p.jpg"),
                         "photo_uuid": "6f1e0c2a-7b3d-4e8f-9a1b-2c3d4e5f6a7b", "question_key": "summary_photo"})
    visit_id = submit_visit(seeded, inspector, attitude_score=1, one_time_notice="none")
    leader = client_for(seeded, "leader")
    # Returned once and corrected: the kept first submission and the comment stay with leaders.
    leader.post(f"/dashboard/visits/{visit_id}/return", data={"comment": RETURN_MARKER})
    submit_visit(seeded, inspector, attitude_score=1, one_time_notice="none", first_contact="referred")
    leader.post(f"/dashboard/visits/{visit_id}/approve")
    unit = client_for(seeded, "unit-market")
    with seeded.app_context():
        issue_id = db.session.scalar(sa.select(Issue.id).where(Issue.title == "服务态度差"))
        inspector3 = db.session.scalar(sa.select(User.id).where(User.username == "inspector3"))
    unit.post(f"/issues/{issue_id}/report", content_type="multipart/form-data", data={
        "measures": "已整改", "evidence": (io.BytesIO(encoded("JPEG")), "e.jpg")})
    leader.post(f"/issues/{issue_id}/revisit", data={"inspector_id": inspector3})
    leader.post(f"/issues/{issue_id}/escalate", data={"note": ""})

    seen, queue, problems = set(), ["/issues/", "/", "/account"], []
    while queue:
        path = queue.pop()
        if path in seen or not path.startswith("/") or path.startswith(("/logout", "/static/")):
            continue
        seen.add(path)
        response = unit.get(path)
        if response.status_code != 200:
            continue
        data = response.get_data()
        text = data.decode("utf-8", "replace")
        for marker in (MARKER_NAME, MARKER_PHONE, RETURN_MARKER, "inspector1", "inspector3", "暗访员", "复查", "次提交"):
            if marker.encode() in data:
                problems.append((path, marker))
        if response.mimetype == "text/html":
            visible = re.sub(r'<input type="hidden"[^>]*>|<meta[^>]*>', "", text)
            for match in HHMM.findall(visible):
                problems.append((path, match))
            for link in re.findall(r'(?:href|src)="([^"#]+)"', text):
                target = urljoin(path, link.replace("&amp;", "&"))
                if not urlsplit(target).netloc:
                    queue.append(target)
    assert any(p.startswith("/photos/evidence/") for p in seen)
    assert f"/issues/{issue_id}" in seen
    assert problems == []


def _queries_for(app, client, url: str) -> int:
    seen: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_the_issue_page_reads_a_fixed_number_of_queries_however_many_occurrences(seeded) -> None:
    with seeded.app_context():
        issue_id = approved({"attitude_score": 1})[0].id
        db.session.commit()
    leader, unit = client_for(seeded, "leader"), client_for(seeded, "unit-market")
    counts = []
    for _round in range(2):
        leader_count = _queries_for(seeded, leader, f"/issues/{issue_id}")
        unit_count = _queries_for(seeded, unit, f"/issues/{issue_id}")
        counts.append((leader_count, unit_count))
        with seeded.app_context():  # four more occurrences, by more visits
            for _n in range(4):
                issues.approve(submitted({"attitude_score": 1}), user("leader"))
            db.session.commit()
            assert len(db.session.get(Issue, issue_id).occurrences) >= 5
    assert counts[0] == counts[1], counts
