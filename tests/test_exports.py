"""Large exports run in the background: the offer page, the queued job, its progress, the
download through storage, expiry, failures, who may see a job, and a real worker process."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from app import jobs as queue
from app.extensions import db
from app.models import Issue, Job, JobState, Role, Unit
from app.models.base import utcnow
from app.services import jobs
from tests.factories import approved
from tests.test_visit_views import client_for

ROOT = Path(__file__).resolve().parents[1]


def exports_storage(app):
    return app.extensions["ruwo_exports"]


def stored_files(app) -> list[Path]:
    root = exports_storage(app).root
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def start(client, page) -> str:
    """Press "make it in the background" on an offer page; the job's page address."""
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'action="/exports/"' in html
    data = {name: value for name, value in re.findall(r'name="(kind|params)" type="hidden" value="([^"]*)"', html)}
    data = {k: v.replace("&#34;", '"').replace("&quot;", '"') for k, v in data.items()}
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    if token:
        data["csrf_token"] = token.group(1)
    response = client.post("/exports/", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    return response.headers["Location"]


@contextmanager
def temporary_kind(name: str, produce):
    """Register a kind for one test (and the size the offer page asks)."""
    from app.exports import kinds

    jobs.register(name, roles=(Role.LEADER,))(produce)
    kinds.SIZES[name], kinds.INLINE_LIMITS[name] = (lambda p, u: 10), 0
    try:
        yield
    finally:
        jobs._KINDS.pop(name)
        kinds.SIZES.pop(name)
        kinds.INLINE_LIMITS.pop(name)


def test_a_large_ledger_is_offered_made_in_the_background_and_downloaded(seeded) -> None:
    with seeded.app_context():
        approved({"attitude_score": 1}, extra=["房东户口本复印件"])
        approved({"attitude_score": 1}, window="02", item="realestate-transfer")
        db.session.commit()
        unit = db.session.scalar(sa.select(Unit.id).where(Unit.code == "realestate"))
        theirs = db.session.scalar(sa.select(sa.func.count()).select_from(Issue).where(Issue.lead_unit_id == unit))
    leader = client_for(seeded, "leader")
    at_once = load_workbook(io.BytesIO(leader.get(f"/issues/all/ledger.xlsx?unit={unit}").get_data())).active
    seeded.config["EXPORT_INLINE_LIMITS"] = {"issues.ledger": 0}
    offer = leader.get(f"/issues/all/ledger.xlsx?unit={unit}")
    assert "后台" in offer.get_data(as_text=True) and f"{theirs:,}" in offer.get_data(as_text=True)
    page = leader.get(start(leader, offer))
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-state="done"' in html and "已就绪" in html
    assert 'http-equiv="refresh"' not in html  # a finished job's page stops refreshing
    link = re.search(r'href="(/exports/[0-9a-f]{32}/download)"', html).group(1)
    download = leader.get(link)
    assert download.status_code == 200 and download.headers["Cache-Control"] == "no-store"
    assert "attachment" in download.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(download.get_data())).active
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert len(rows) == theirs and rows == list(at_once.iter_rows(min_row=3, values_only=True))  # the list's filter held
    assert len(stored_files(seeded)) == 1
    listing = leader.get("/exports/").get_data(as_text=True)
    assert "整改台账" in listing and "已就绪" in listing
    status = leader.get(link.removesuffix("/download") + ".json").get_json()
    assert status["state"] == "done" and status["percent"] == 100 and status["download"] == link


def test_only_the_leader_who_asked_sees_the_export(seeded, make_user) -> None:
    make_user("leader2", Role.LEADER)
    seeded.config["EXPORT_INLINE_LIMITS"] = {"issues.ledger": -1}
    leader = client_for(seeded, "leader")
    job_page = start(leader, leader.get("/issues/all/ledger.xlsx"))
    for other in ("leader2", "unit-market", "inspector1"):
        client = client_for(seeded, other)
        for suffix in ("", ".json", "/download"):
            assert client.get(job_page + suffix).status_code == 404, (other, suffix)
        assert job_page not in client.get("/exports/").get_data(as_text=True)
    assert seeded.test_client().get(job_page).status_code in (302, 401)


def test_an_expired_export_is_deleted_and_says_so(seeded) -> None:
    seeded.config["EXPORT_INLINE_LIMITS"] = {"issues.ledger": -1}
    leader = client_for(seeded, "leader")
    job_page = start(leader, leader.get("/issues/all/ledger.xlsx"))
    assert leader.get(job_page + "/download").status_code == 200 and len(stored_files(seeded)) == 1
    with seeded.app_context():
        assert jobs.expire(exports_storage(seeded), utcnow() + timedelta(hours=23)) == 0
        assert jobs.expire(exports_storage(seeded), utcnow() + timedelta(hours=25)) == 1
    assert stored_files(seeded) == []
    gone = leader.get(job_page + "/download")
    assert gone.status_code == 410 and "已过期" in gone.get_data(as_text=True)
    assert leader.get(job_page + ".json").get_json()["state"] == "expired"


def test_a_failed_export_says_so_and_leaves_no_file(seeded) -> None:
    def broken(params, user, progress):
        def chunks():
            yield b"half a file"
            raise RuntimeError("disk on fire")

        return jobs.Output("broken.csv", "text/csv", chunks())

    leader = client_for(seeded, "leader")
    with seeded.app_context():
        user = db.session.scalar(sa.select(jobs.User).where(jobs.User.username == "leader"))
        with temporary_kind("test.broken", broken):
            job_id = jobs.create("test.broken", {}, user, "zh_Hans").id
            db.session.commit()
            queue.enqueue(job_id)
    page = leader.get(f"/exports/{job_id}").get_data(as_text=True)
    assert 'data-state="failed"' in page and "导出失败" in page and "disk on fire" not in page
    assert stored_files(seeded) == []  # nor a temporary file
    assert leader.get(f"/exports/{job_id}/download").status_code == 404


def test_the_queue_runs_a_job_once(seeded) -> None:
    seeded.config["EXPORT_INLINE_LIMITS"] = {"issues.ledger": -1}
    leader = client_for(seeded, "leader")
    job_id = start(leader, leader.get("/issues/all/ledger.xlsx")).rsplit("/", 1)[1]
    with seeded.app_context():
        assert jobs.run(job_id, exports_storage(seeded), timedelta(hours=1)) is None  # delivered twice
        assert db.session.get(Job, job_id).state is JobState.DONE
    assert len(stored_files(seeded)) == 1


def test_bad_requests_to_start_an_export_are_refused_clearly(seeded) -> None:
    leader = client_for(seeded, "leader")
    assert leader.post("/exports/", data={"kind": "no.such", "params": "{}"}).status_code == 404
    assert leader.post("/exports/", data={"kind": "issues.ledger", "params": "not json"}).status_code == 400
    assert leader.post("/exports/", data={"kind": "issues.ledger", "params": '{"unit": [1]}'}).status_code == 400
    assert leader.post("/exports/", data={"kind": "issues.ledger", "params": "{}" + " " * 3000}).status_code == 400
    missing = leader.post("/exports/", data={"kind": "campaigns.ledger", "params": '{"campaign": "99999"}'})
    assert missing.status_code == 404
    unit = client_for(seeded, "unit-market")
    assert unit.post("/exports/", data={"kind": "issues.ledger", "params": "{}"}).status_code == 404
    assert leader.get("/exports/" + "f" * 40).status_code == 404
    with seeded.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 0


def test_a_slow_export_shows_its_progress_and_then_completes(seeded) -> None:
    """A real queue (in memory) and a worker thread: the page shows the job running, with its
    progress, while the export works, then the download."""
    release, reported = threading.Event(), threading.Event()
    jobs_progress_every = jobs.PROGRESS_EVERY

    def slow(params, user, progress):
        progress(40, 100)
        reported.set()
        assert release.wait(30)
        progress(100, 100)
        return jobs.Output("slow.csv", "text/csv", (b"a,b\r\n", b"1,2\r\n"))

    seeded.config.update(JOBS_IMMEDIATE=False, JOBS_URL="memory")
    queue.init_app(seeded)
    jobs.PROGRESS_EVERY = 0
    leader = client_for(seeded, "leader")
    try:
        with temporary_kind("test.slow", slow):
            offer = leader.post("/exports/", data={"kind": "test.slow", "params": "{}"})
            job_page = offer.headers["Location"]
            assert 'data-state="queued"' in leader.get(job_page).get_data(as_text=True)
            worker = threading.Thread(target=lambda: queue.huey.execute(queue.huey.dequeue()))
            worker.start()
            assert reported.wait(30)
            running = leader.get(job_page).get_data(as_text=True)
            assert 'data-state="running"' in running and "40%" in running and 'http-equiv="refresh"' in running
            assert leader.get(job_page + ".json").get_json()["percent"] == 40
            release.set()
            worker.join(30)
        done = leader.get(job_page + "/download")
        assert done.status_code == 200 and done.get_data() == b"a,b\r\n1,2\r\n"
    finally:
        jobs.PROGRESS_EVERY = jobs_progress_every
        seeded.config.update(JOBS_IMMEDIATE=True, JOBS_URL="")
        queue.init_app(seeded)


def test_the_worker_command_runs_what_the_app_queues(seeded, tmp_path, backend) -> None:
    """`flask --app wsgi jobs worker` (what `make run` starts beside the server) takes the job
    from the SQLite queue in instance/ and finishes it."""
    queue_file = tmp_path / "jobs.sqlite3"
    seeded.config.update(JOBS_IMMEDIATE=False, JOBS_URL=f"sqlite:///{queue_file}")
    queue.init_app(seeded)
    env = {**os.environ, "DATABASE_URL": seeded.config["SQLALCHEMY_DATABASE_URI"], "RUWO_CONFIG": "testing",
           "RUWO_INSTANCE_PATH": seeded.instance_path, "RUWO_JOBS_URL": f"sqlite:///{queue_file}",
           "RUWO_JOBS_IMMEDIATE": "false"}
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker", "--workers", "1"],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        seeded.config["EXPORT_INLINE_LIMITS"] = {"issues.ledger": -1}
        leader = client_for(seeded, "leader")
        job_page = start(leader, leader.get("/issues/all/ledger.xlsx"))
        deadline = time.monotonic() + 60
        while (state := leader.get(job_page + ".json").get_json()["state"]) in ("queued", "running"):
            assert time.monotonic() < deadline and worker.poll() is None, "the worker did not finish the job"
            time.sleep(0.2)
        assert state == "done"
        assert leader.get(job_page + "/download").status_code == 200
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0]
        seeded.config.update(JOBS_IMMEDIATE=True, JOBS_URL="")
        queue.init_app(seeded)
    assert "jobs worker: 1 threads" in output


@pytest.mark.parametrize("url", ["/issues/all/ledger.xlsx", "/archive/visits.csv", "/archive/visits.xlsx"])
def test_each_large_leader_export_is_offered_in_the_background(seeded, url) -> None:
    seeded.config["EXPORT_INLINE_LIMITS"] = dict.fromkeys(("issues.ledger", "archive.visits_csv",
                                                            "archive.visits_xlsx"), -1)
    leader = client_for(seeded, "leader")
    page = leader.get(start(leader, leader.get(url)))
    assert 'data-state="done"' in page.get_data(as_text=True)


def test_a_units_large_ledger_is_its_own_rows(seeded) -> None:
    with seeded.app_context():
        approved({"attitude_score": 1}, extra=["房东户口本复印件"])
        approved({"attitude_score": 1}, window="02", item="realestate-transfer")
        db.session.commit()
    seeded.config["EXPORT_INLINE_LIMITS"] = {"issues.unit_ledger": -1}
    unit = client_for(seeded, "unit-market")
    job_page = start(unit, unit.get("/issues/ledger.xlsx"))
    sheet = load_workbook(io.BytesIO(unit.get(job_page + "/download").get_data())).active
    owners = {r[7] for r in sheet.iter_rows(min_row=3, values_only=True)}
    assert owners == {"县市场监督管理局"}


def test_the_sweep_command_deletes_what_has_expired(seeded) -> None:
    seeded.config["EXPORT_INLINE_LIMITS"] = {"issues.ledger": -1}
    leader = client_for(seeded, "leader")
    start(leader, leader.get("/issues/all/ledger.xlsx"))
    runner = seeded.test_cli_runner()
    assert "0 expired exports removed" in runner.invoke(args=["jobs", "sweep"]).output
    seeded.config["EXPORT_TTL_HOURS"] = 0
    start(leader, leader.get("/issues/all/ledger.xlsx"))
    assert "1 expired exports removed" in runner.invoke(args=["jobs", "sweep"]).output
    assert len(stored_files(seeded)) == 1


def test_a_visits_export_reports_its_rows_as_progress(seeded, monkeypatch) -> None:
    from app.models import Visit
    from app.services.reports import visits_export
    from tests.factories import submitted

    with seeded.app_context():
        for _ in range(3):
            submitted()
        db.session.commit()
        count = db.session.scalar(sa.select(sa.func.count()).select_from(Visit))
    monkeypatch.setattr(visits_export, "BATCH", 1)
    monkeypatch.setattr(jobs, "PROGRESS_EVERY", 0)
    seen: list[tuple[int, int]] = []
    original = jobs._reporter

    def recording(job_id):
        report = original(job_id)
        return lambda done, total: (seen.append((done, total)), report(done, total))[1]

    monkeypatch.setattr(jobs, "_reporter", recording)
    seeded.config["EXPORT_INLINE_LIMITS"] = {"archive.visits_csv": -1}
    leader = client_for(seeded, "leader")
    job_page = start(leader, leader.get("/archive/visits.csv"))
    assert seen and seen[-1] == (count, count) and [d for d, _t in seen] == sorted(d for d, _t in seen)
    status = leader.get(job_page + ".json").get_json()
    assert status["state"] == "done" and status["total"] == count
    body = leader.get(job_page + "/download").get_data().decode("utf-8-sig")
    assert len(body.strip().splitlines()) == count + 1
