"""Notifications: who is told of what (and never who visited), the header count and the list,
the reminder and overdue ladder around National Day 2026, idempotence across runs and workers,
and delivery by e-mail to a real SMTP server on loopback and to a WeCom-like webhook."""

from __future__ import annotations

import json
import socket
import threading
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Delivery, DeliveryState, Issue, IssueEvent, Notification, ReminderStep, Unit
from app.services import issues, notifications
from tests.factories import approved, submitted, user
from tests.test_campaign_views import started_campaign
from tests.test_visit_views import client_for


def mine(username: str) -> list[Notification]:
    return list(db.session.scalars(sa.select(Notification).where(Notification.user_id == user(username).id)
                                   .order_by(Notification.id)))


def one_issue(deadline: date | None = None) -> Issue:
    issue = approved({"attitude_score": 1})[0]
    if deadline:
        issue.deadline = deadline
    db.session.commit()
    return issue


def test_a_unit_is_told_of_a_new_issue_and_never_who_visited(seeded) -> None:
    with seeded.app_context():
        issue = one_issue()
        issue_id, title = issue.id, issue.title
        told = mine("unit-market")
        assert [n.kind for n in told] == ["issue.assigned"] and told[0].link == f"/issues/{issue_id}"
        assert mine("leader") == []
    unit = client_for(seeded, "unit-market")
    home = unit.get("/issues/").get_data(as_text=True)
    assert 'class="count"' in home and ">1</span>" in home
    listing = unit.get("/notifications/").get_data(as_text=True)
    assert f"新交办问题 #{issue_id}" in listing and title in listing
    for secret in ("暗访员一", "inspector1", "10:00", "09:00"):
        assert secret not in listing
    with seeded.app_context():
        note_id = mine("unit-market")[0].id
    opened = unit.post(f"/notifications/{note_id}/open")
    assert opened.status_code == 303 and opened.headers["Location"] == f"/issues/{issue_id}"
    assert 'class="count"' not in unit.get("/issues/").get_data(as_text=True)
    assert client_for(seeded, "unit-realestate").post(f"/notifications/{note_id}/open").status_code == 404


def test_leaders_hear_of_reports_and_units_of_decisions(seeded) -> None:
    with seeded.app_context():
        issue = one_issue()
        issues.report(issue, user("unit-market"), "已整改", [], seeded.extensions["ruwo_storage"])
        db.session.commit()
        assert [n.kind for n in mine("leader")] == ["issue.reported"]
        issues.send_back(issue, user("leader"), "照片不清楚")
        db.session.commit()
        told = mine("unit-market")
        assert [n.kind for n in told] == ["issue.assigned", "issue.sent_back"]
        assert "照片不清楚" in notifications.text(told[1].kind, told[1].params)
    leader = client_for(seeded, "leader")
    page = leader.get("/notifications/").get_data(as_text=True)
    assert "县市场监督管理局 已报送问题" in page
    assert leader.post("/notifications/read").status_code == 303
    assert 'class="count"' not in leader.get("/notifications/").get_data(as_text=True)


def test_inspectors_hear_of_a_started_campaign_and_a_returned_visit(seeded) -> None:
    leader = client_for(seeded, "leader")
    started_campaign(seeded, leader)
    with seeded.app_context():
        counts = {u: [n for n in mine(u) if n.kind == "campaign.started"] for u in ("inspector1", "inspector2")}
        assert any(counts.values()) and all(len(v) <= 1 for v in counts.values())
        first = next(v[0] for v in counts.values() if v)
        assert int(first.params["count"]) >= 1
        visit = submitted()
        issues.return_visit(visit, user("leader"), "请补充等候时间")
        db.session.commit()
        returned = [n for n in mine("inspector1") if n.kind == "visit.returned"]
        assert len(returned) == 1 and returned[0].link == f"/visits/v/{visit.uuid}/checklist"
        assert "请补充等候时间" in notifications.text(returned[0].kind, returned[0].params)


# --- The ladder, around National Day 2026 (1–7 October off, Saturday 10 October worked) ---------

DEADLINE = date(2026, 9, 30)  # Wednesday before the holiday


def run(day: date) -> dict[str, int]:
    return notifications.remind(day).taken


@pytest.mark.parametrize(("day", "expected"), [
    (date(2026, 9, 23), {}),  # 4 working days left (24, 28, 29, 30: 25 Sep is Mid-Autumn)
    (date(2026, 9, 24), {"reminder": 1}),  # 3 left
    (date(2026, 9, 30), {"reminder": 1}),  # catching up: still within 3, never sent before
    (date(2026, 10, 7), {}),  # past the deadline, but no working day has passed since
    (date(2026, 10, 8), {"overdue": 1}),  # first working day after the holiday
    (date(2026, 10, 12), {"overdue": 1}),  # 4 working days overdue (8, 9, Sat 10, 12)
    (date(2026, 10, 13), {"overdue": 1, "propose_2": 1}),  # 5 (the make-up Saturday counts)
    (date(2026, 10, 20), {"overdue": 1, "propose_2": 1, "propose_3": 1}),  # 10
])
def test_each_step_of_the_ladder_on_its_working_day(seeded, day, expected) -> None:
    with seeded.app_context():
        issue_id = one_issue(DEADLINE).id
        assert run(day) == expected
        issue = db.session.get(Issue, issue_id)
        assert issue.escalation_level == (1 if "overdue" in expected else 0)
        kinds = [e.kind for e in db.session.scalars(sa.select(IssueEvent).where(IssueEvent.issue_id == issue_id))]
        assert kinds.count("overdue_notice") == (1 if "overdue" in expected else 0)
        unit_kinds = {n.kind for n in mine("unit-market")}
        leader_kinds = {n.kind for n in mine("leader")}
        assert ("issue.reminder" in unit_kinds) == ("reminder" in expected)
        assert ("issue.overdue" in unit_kinds) == ("overdue" in expected) == ("issue.overdue_leader" in leader_kinds)
        assert ("issue.propose_talk" in leader_kinds) == ("propose_2" in expected)
        assert ("issue.propose_circular" in leader_kinds) == ("propose_3" in expected)
        assert not {"issue.propose_talk", "issue.propose_circular"} & unit_kinds  # a unit is never told of proposals


def test_the_ladder_runs_once_however_often_it_runs(seeded) -> None:
    with seeded.app_context():
        issue_id = one_issue(DEADLINE).id
        assert run(date(2026, 10, 20)) == {"overdue": 1, "propose_2": 1, "propose_3": 1}
        before = db.session.scalar(sa.select(sa.func.count()).select_from(Notification))
        assert run(date(2026, 10, 20)) == {} and run(date(2026, 10, 21)) == {}
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == before
        # A leader confirms the talk; a granted extension starts the ladder anew for the new deadline.
        issues.escalate(db.session.get(Issue, issue_id), user("leader"))
        db.session.get(Issue, issue_id).deadline = date(2026, 10, 27)
        db.session.commit()
        assert run(date(2026, 10, 22)) == {"reminder": 1}


def test_two_workers_at_once_take_each_step_once(seeded) -> None:
    with seeded.app_context():
        issue_id = one_issue(DEADLINE).id
    results, errors = [], []

    def worker() -> None:
        try:
            with seeded.app_context():
                results.append(run(date(2026, 10, 20)))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    with seeded.app_context():
        steps = db.session.scalars(sa.select(ReminderStep.step).where(ReminderStep.issue_id == issue_id)).all()
        assert sorted(steps) == ["overdue", "propose_2", "propose_3"]
        kinds = [n.kind for n in mine("unit-market")]
        assert kinds.count("issue.overdue") == 1
        assert sum(r.get("overdue", 0) for r in results) == 1


def test_a_closed_or_reported_issue_is_not_chased(seeded) -> None:
    with seeded.app_context():
        issue = one_issue(DEADLINE)
        issues.report(issue, user("unit-market"), "已整改", [], seeded.extensions["ruwo_storage"])
        db.session.commit()
        assert run(date(2026, 10, 20)) == {}


def test_the_remind_command_reports_what_it_did(seeded) -> None:
    with seeded.app_context():
        one_issue(date(2026, 9, 30))
    from freezegun import freeze_time

    with freeze_time("2026-10-08 01:00:00"):
        result = seeded.test_cli_runner().invoke(args=["remind"])
        assert result.exception is None, result.exception
        out = result.output
        again = seeded.test_cli_runner().invoke(args=["remind"]).output
    assert "overdue 1" in out and "nothing due" in again


# --- Channels ---------------------------------------------------------------------------------


class Inbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_server():
    aiosmtpd = pytest.importorskip("aiosmtpd.controller")
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = aiosmtpd.Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def test_mail_reaches_a_real_smtp_server_once_and_names_no_inspector(seeded, smtp_server) -> None:
    inbox, port = smtp_server
    config = {**seeded.config, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "MAIL_TLS": "none",
              "MAIL_SENDER": "ruwo@county.example"}
    with seeded.app_context():
        liaison = user("unit-market")
        liaison.email, liaison.notify_email = "liaison@market.example", True
        user("unit-realestate").email = "other@realestate.example"  # not chosen: no mail
        db.session.commit()
        issue_id = one_issue().id
        sender = notifications.default_sender(config)
        assert notifications.send_due(sender) == (1, 0)
        assert notifications.send_due(sender) == (0, 0)  # acknowledged: never sent again
    assert len(inbox.messages) == 1
    envelope = inbox.messages[0]
    assert envelope.rcpt_tos == ["liaison@market.example"] and envelope.mail_from == "ruwo@county.example"
    body = envelope.content.decode("utf-8", "replace")
    assert f"#{issue_id}" in body or f"=23{issue_id}" in body
    for secret in ("inspector1", "暗访员一", "=E6=9A=97=E8=AE=BF=E5=91=98"):
        assert secret not in body


class Robot(BaseHTTPRequestHandler):
    answers: list[tuple[int, dict]] = []
    received: list[dict] = []

    def do_POST(self):  # noqa: N802 - http.server's name
        length = int(self.headers["Content-Length"])
        Robot.received.append(json.loads(self.rfile.read(length)))
        status, answer = Robot.answers.pop(0) if Robot.answers else (200, {"errcode": 0, "errmsg": "ok"})
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def test_a_units_robot_gets_one_post_retried_after_a_failure(seeded) -> None:
    server = HTTPServer(("127.0.0.1", 0), Robot)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Robot.received, Robot.answers = [], [(200, {"errcode": 93000, "errmsg": "invalid webhook url"})]
    try:
        with seeded.app_context():
            unit = db.session.scalar(sa.select(Unit).where(Unit.code == "market"))
            unit.wecom_webhook = f"http://127.0.0.1:{server.server_port}/cgi-bin/webhook/send?key=test"
            db.session.commit()
            one_issue()
            sender = notifications.default_sender(seeded.config)
            assert notifications.send_due(sender) == (0, 0)  # refused: retried later
            delivery = db.session.scalar(sa.select(Delivery))
            assert delivery.state is DeliveryState.PENDING and delivery.attempts == 1
            assert "93000" in delivery.last_error
            assert notifications.send_due(sender) == (0, 0)  # not yet due again
            later = datetime.now(UTC) + timedelta(minutes=2)
            assert notifications.send_due(sender, now=lambda: later) == (1, 0)
            assert notifications.send_due(sender, now=lambda: later + timedelta(hours=1)) == (0, 0)
            db.session.refresh(delivery)
            assert delivery.state is DeliveryState.SENT and delivery.attempts == 2
    finally:
        server.shutdown()
    assert len(Robot.received) == 2
    post = Robot.received[-1]
    assert post["msgtype"] == "markdown" and "新交办问题" in post["markdown"]["content"]
    assert "暗访员" not in post["markdown"]["content"]


def test_a_delivery_that_keeps_failing_is_given_up(seeded) -> None:
    with seeded.app_context():
        liaison = user("unit-market")
        liaison.email, liaison.notify_email = "liaison@market.example", True
        db.session.commit()
        one_issue()

        def broken(_delivery):
            raise notifications.DeliveryError("connection refused")

        moment = datetime.now(UTC)
        outcomes = []
        for step in range(8):
            at = moment + timedelta(days=step)
            outcomes.append(notifications.send_due(broken, now=lambda at=at: at))
        delivery = db.session.scalar(sa.select(Delivery))
        assert delivery.state is DeliveryState.FAILED and delivery.attempts == 6
        assert sum(f for _s, f in outcomes) == 1 and "connection refused" in delivery.last_error



def test_a_user_chooses_e_mail_and_an_administrator_a_units_robot(seeded) -> None:
    unit = client_for(seeded, "unit-market")
    assert "同时通过电子邮件接收通知" in unit.get("/account").get_data(as_text=True)
    refused = unit.post("/account", data={"email": "not an address", "by_email": "y"})
    assert refused.status_code == 422 and "请输入电子邮箱地址" in refused.get_data(as_text=True)
    assert unit.post("/account", data={"email": "", "by_email": "y"}).status_code == 422
    assert unit.post("/account", data={"email": "liaison@market.example", "by_email": "y"}).status_code == 302
    with seeded.app_context():
        saved = user("unit-market")
        assert (saved.email, saved.notify_email) == ("liaison@market.example", True)
        unit_id = db.session.scalar(sa.select(Unit.id).where(Unit.code == "market"))
    admin = client_for(seeded, "admin")
    form = {"code": "market", "name": "县市场监督管理局"}
    plain = admin.post(f"/admin/units/{unit_id}/edit", data={**form, "wecom_webhook": "http://qyapi.example/send"})
    assert plain.status_code == 422 and "https://" in plain.get_data(as_text=True)
    url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc"
    assert admin.post(f"/admin/units/{unit_id}/edit", data={**form, "wecom_webhook": url}).status_code == 302
    with seeded.app_context():
        assert db.session.get(Unit, unit_id).wecom_webhook == url


def test_a_problem_found_again_after_close_out_is_told_to_leaders_and_flagged_in_the_circular(seeded) -> None:
    from app.services import reports
    from app.services.reports.circulars import period_parts

    with seeded.app_context():
        issue = one_issue()
        issues.report(issue, user("unit-market"), "已整改", [], seeded.extensions["ruwo_storage"])
        issues.close_with_reason(issue, user("leader"), "佐证充分")
        db.session.commit()
        assert not [n for n in mine("leader") if n.kind == "issue.recurred"]
        again = approved({"attitude_score": 1})[0]
        db.session.commit()
        assert again.id == issue.id
        recurred = [n for n in mine("leader") if n.kind == "issue.recurred"]
        assert len(recurred) == 1 and "再次出现" in notifications.text(recurred[0].kind, recurred[0].params)
        assert [n.kind for n in mine("unit-market")].count("issue.assigned") == 2
        parts = period_parts(reports.period("2026-11-01", "2026-11-30"), date(2026, 11, 28))
        texts = [c.text for s in parts.sections for c in s.cases]
        assert any("该问题整改销号后再次出现" in t for t in texts)


def test_a_contest_is_told_to_leaders_and_each_decision_to_the_unit_that_contested(seeded) -> None:
    from app.models import ContestKind

    storage = seeded.extensions["ruwo_storage"]
    with seeded.app_context():
        issue = one_issue()
        issues.contest(issue, user("unit-market"), ContestKind.NOT_OUR_DUTY, "应由供水公司负责",
                       user("unit-water").unit_id, [], storage)
        db.session.commit()
        contested = [n for n in mine("leader") if n.kind == "issue.contested"]
        assert len(contested) == 1 and "提出申诉" in notifications.text(contested[0].kind, contested[0].params)
        issues.transfer(issue, user("leader"), None, None, "由供水窗口负责")
        db.session.commit()
        assert "issue.contest_transferred" in [n.kind for n in mine("unit-market")]
        assert [n.kind for n in mine("unit-water")] == ["issue.assigned"]  # the new unit has it as new
        # The new unit contests too, and is refused: it hears so.
        issues.contest(issue, user("unit-water"), ContestKind.WRONG_FINDING, "记录有误", None, [], storage)
        issues.reject(issue, user("leader"), "记录属实")
        db.session.commit()
        rejected = [n for n in mine("unit-water") if n.kind == "issue.contest_rejected"]
        assert len(rejected) == 1 and "未获支持" in notifications.text(rejected[0].kind, rejected[0].params)
