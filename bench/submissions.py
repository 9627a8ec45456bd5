"""Submissions under gunicorn (2 sync workers) on SQLite, with a Python load generator of
keep-alive connections (one per phone, threads), in the same run:

1. the submit endpoint alone, one POST per new visit (as ODK Central measures): submissions/s
   with 10 phones; goal ≥ 100/s;
2. the whole phone flow with 50 phones — open the checklist page, autosave, submit — in
   visits/s; goal ≥ 40/s on SQLite.

Every response must be a success, and the database must hold exactly the visits sent.
Results are added to bench/results.json.

    make bench-submissions     [SECONDS=10]
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._server import free_port, gunicorn, prepare, session_cookie  # noqa: E402

SECONDS = int(os.environ.get("SECONDS", "10"))
RESULTS = ROOT / "bench" / "results.json"
ANSWERS = {"help_desk_staffed": True, "signage_found": True, "window_staffed": True, "attitude_score": 4,
           "rude_language": False, "first_contact": "handled", "one_time_notice": "written",
           "matches_online_guide": True, "outcome": "completed", "fee_asked": False}


class Phone:
    """One phone: a keep-alive connection, a signed-in session and its CSRF token."""

    def __init__(self, port: int, cookie: str) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.headers = {"Cookie": cookie, "Content-Type": "application/json"}
        self.headers["X-CSRFToken"] = json.loads(self.request("GET", "/visits/api/session"))["csrf_token"]

    def request(self, method: str, path: str, body: dict | None = None) -> bytes:
        self.connection.request(method, path, body=json.dumps(body) if body is not None else None,
                                headers=self.headers)
        response = self.connection.getresponse()
        data = response.read()
        if response.status >= 300:
            raise RuntimeError(f"{method} {path}: {response.status} {data[:200]!r}")
        return data


def run(phones: list[Phone], flow, seconds: int) -> tuple[int, float, list[str]]:
    """Each phone repeats ``flow`` until the time is up; (visits done, seconds, errors)."""
    done, errors = [0] * len(phones), []
    stop = time.monotonic() + seconds

    def loop(n: int) -> None:
        try:
            while time.monotonic() < stop:
                flow(phones[n])
                done[n] += 1
        except Exception as exc:  # noqa: BLE001 - reported in the result
            errors.append(str(exc))

    threads = [threading.Thread(target=loop, args=(n,)) for n in range(len(phones))]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done), time.monotonic() - start, errors


def main() -> int:
    folder = Path(tempfile.mkdtemp(prefix="ruwo-submissions-"))
    paths = prepare(folder / "instance")
    window_id, item_id = (int(v) for v in paths["ids"].split(","))
    env = {**os.environ, "RUWO_INSTANCE_PATH": str(folder / "instance"), "RUWO_CONFIG": "development",
           "RUWO_RATELIMIT_ENABLED": "false"}
    port = free_port()
    server = gunicorn("wsgi:app", port, ROOT, env)
    base = f"http://127.0.0.1:{port}"
    try:
        cookies = [session_cookie(base, f"inspector{n}") for n in (1, 2, 3)]

        def payload(visit_uuid: str) -> dict:
            return {"window_id": window_id, "service_item_id": item_id, "answers": ANSWERS,
                    "marks": {"arrived": "2026-11-20T09:00:00+08:00", "ticket": "2026-11-20T09:01:00+08:00",
                              "called": "2026-11-20T09:12:00+08:00"},
                    "materials": {"ticked": [], "extra": []}}

        def submit_only(phone: Phone) -> None:
            visit_uuid = str(uuid.uuid4())
            phone.request("POST", f"/visits/api/visits/{visit_uuid}/submit", payload(visit_uuid))

        def whole_flow(phone: Phone) -> None:
            visit_uuid = str(uuid.uuid4())
            phone.request("GET", f"/visits/v/{visit_uuid}/checklist?window_id={window_id}&item_id={item_id}")
            phone.request("PUT", f"/visits/api/visits/{visit_uuid}", payload(visit_uuid))
            phone.request("POST", f"/visits/api/visits/{visit_uuid}/submit", payload(visit_uuid))

        figures = []
        for name, count, flow, goal in (("submit endpoint alone (10 phones)", 10, submit_only, 100.0),
                                        ("phone flow: open, autosave, submit (50 phones)", 50, whole_flow, 40.0)):
            phones = [Phone(port, cookies[n % 3]) for n in range(count)]
            visits, seconds, errors = run(phones, flow, SECONDS)
            rate = visits / seconds
            ok = not errors and rate >= goal
            figures.append({"figure": name, "visits": visits, "seconds": round(seconds, 2),
                            "per_second": round(rate, 1), "goal": goal, "errors": errors[:3], "pass": ok})
            print(f"{name:<50}{rate:>8.1f}/s  goal {goal:>5.0f}/s  {'pass' if ok else 'FAIL'}"
                  + (f"  errors: {errors[:2]}" if errors else ""))
    finally:
        server.terminate()
        server.wait(30)
    from app import create_app
    from app.extensions import db
    from app.models import Visit, VisitState

    os.environ["RUWO_INSTANCE_PATH"] = str(folder / "instance")
    with create_app().app_context():
        stored = db.session.query(Visit).filter(Visit.state == VisitState.SUBMITTED).count()
    sent = sum(f["visits"] for f in figures) + 1  # and the review page's visit of prepare()
    print(f"visits submitted and stored: {stored} (sent {sent}); {'exactly once' if stored == sent else 'MISMATCH'}")
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results["submissions"] = {"seconds": SECONDS, "rows": figures, "stored": stored, "sent": sent}
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2))
    shutil.rmtree(folder, ignore_errors=True)
    return 0 if all(f["pass"] for f in figures) and stored == sent else 1


if __name__ == "__main__":
    sys.exit(main())
