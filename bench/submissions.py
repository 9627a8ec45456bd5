"""Submissions under gunicorn (2 sync workers) on SQLite, or on the PostgreSQL database that
BENCH_DATABASE_URL names (emptied first), with a Python load generator of keep-alive
connections (one per phone, threads), in the same run:

1. the submit endpoint alone, one POST per new visit (as ODK Central measures): submissions/s
   with 10 phones; goal ≥ 100/s;
2. the whole phone flow with 50 phones — open the checklist page, autosave, submit — in
   visits/s; goal ≥ 40/s on SQLite, ≥ 30/s on PostgreSQL;
3. the same flow with 3 photos per visit (~250 KB JPEGs at 2048 px, as the phone sends them),
   20 phones, against the bound the photo pipeline's own CPU time sets on two workers
   (2 / (3 × the pipeline's CPU seconds per photo), measured in this run); goal ≥ 80 % of it.

Every response must be a success, and the database must hold exactly the visits sent.
Results are added to bench/results.json.

    make bench-submissions     [SECONDS=10] [BENCH_DATABASE_URL=postgresql+psycopg://...]
"""

from __future__ import annotations

import http.client
import io
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._server import USER_AGENT, free_port, gunicorn, prepare, record, session_cookie  # noqa: E402

SECONDS = int(os.environ.get("SECONDS", "10"))
#: gunicorn sync workers (the photo pipeline's bound is for two CPUs whatever this is).
WORKERS = int(os.environ.get("WORKERS", "2"))
ANSWERS = {"help_desk_staffed": True, "signage_found": True, "window_staffed": True, "attitude_score": 4,
           "rude_language": False, "first_contact": "handled", "one_time_notice": "written",
           "matches_online_guide": True, "outcome": "completed", "fee_asked": False}


class Phone:
    """One phone: a keep-alive connection, a signed-in session and its CSRF token."""

    def __init__(self, port: int, cookie: str) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.headers = {"Cookie": cookie, "Content-Type": "application/json", "User-Agent": USER_AGENT}
        self.headers["X-CSRFToken"] = json.loads(self.request("GET", "/visits/api/session"))["csrf_token"]

    def request(self, method: str, path: str, body: dict | None = None) -> bytes:
        self.connection.request(method, path, body=json.dumps(body) if body is not None else None,
                                headers=self.headers)
        return self._answer(method, path)

    def upload(self, path: str, fields: dict[str, str], photo: bytes) -> bytes:
        """A multipart POST with ``fields`` and the photo as ``file``, as photo.js sends it."""
        boundary = uuid.uuid4().hex
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                 for k, v in fields.items()]
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="photo.jpg"\r\n'
                     "Content-Type: image/jpeg\r\n\r\n".encode() + photo + f"\r\n--{boundary}--\r\n".encode())
        headers = {**self.headers, "Content-Type": f"multipart/form-data; boundary={boundary}"}
        self.connection.request("POST", path, body=b"".join(parts), headers=headers)
        return self._answer("POST", path)

    def _answer(self, method: str, path: str) -> bytes:
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


def phone_photo() -> bytes:
    """A photo as the phone uploads it: a 12 MP camera JPEG shrunk to 2048 px, JPEG q85."""
    from PIL import Image

    from bench.photo_pipeline import phone_jpeg

    with tempfile.TemporaryDirectory() as folder:
        original = Path(folder) / "camera.jpg"
        phone_jpeg(original)
        with Image.open(original) as image:
            image.thumbnail((2048, 2048))
            out = io.BytesIO()
            image.convert("RGB").save(out, "JPEG", quality=85)
    return out.getvalue()


def pipeline_cpu_seconds(photo: bytes, runs: int = 7) -> float:
    """The median CPU time of the server's photo work (visits.process) on ``photo``."""
    from app.services import visits

    times = []
    for _ in range(3):  # warm up: the first runs also grow the process's heap
        visits.process(io.BytesIO(photo))
    for _ in range(runs):
        started = time.process_time()
        visits.process(io.BytesIO(photo))
        times.append(time.process_time() - started)
    return statistics.median(times)


def main() -> int:
    folder = Path(tempfile.mkdtemp(prefix="ruwo-submissions-"))
    database = os.environ.get("BENCH_DATABASE_URL", "")
    if database:
        os.environ["DATABASE_URL"] = database
    paths = prepare(folder / "instance")
    window_id, item_id = (int(v) for v in paths["ids"].split(","))
    photo = phone_photo()
    per_photo = pipeline_cpu_seconds(photo)
    bound = 2 / (3 * per_photo)  # two workers, each spending per_photo CPU seconds on each of 3 photos
    env = {**os.environ, "RUWO_INSTANCE_PATH": str(folder / "instance"), "RUWO_CONFIG": "development",
           "RUWO_RATELIMIT_ENABLED": "false"}
    port = free_port()
    server = gunicorn("wsgi:app", port, ROOT, env, options=("--workers", str(WORKERS)))
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

        def with_photos(phone: Phone) -> None:
            visit_uuid = str(uuid.uuid4())
            phone.request("GET", f"/visits/v/{visit_uuid}/checklist?window_id={window_id}&item_id={item_id}")
            phone.request("PUT", f"/visits/api/visits/{visit_uuid}", payload(visit_uuid))
            for _ in range(3):
                phone.upload(f"/visits/api/visits/{visit_uuid}/photos",
                             {"photo_uuid": str(uuid.uuid4()), "question_key": "environment_photo"}, photo)
            phone.request("POST", f"/visits/api/visits/{visit_uuid}/submit", payload(visit_uuid))

        figures = []
        flow_goal = 40.0 if not database else 30.0
        for name, count, flow, goal in (("submit endpoint alone (10 phones)", 10, submit_only, 100.0),
                                        ("phone flow: open, autosave, submit (50 phones)", 50, whole_flow, flow_goal),
                                        ("phone flow with 3 photos (20 phones)", 20, with_photos, 0.8 * bound)):
            phones = [Phone(port, cookies[n % 3]) for n in range(count)]
            visits, seconds, errors = run(phones, flow, SECONDS)
            rate = visits / seconds
            ok = not errors and rate >= goal
            figures.append({"figure": name, "visits": visits, "seconds": round(seconds, 2),
                            "per_second": round(rate, 1), "goal": goal, "errors": errors[:3], "pass": ok})
            print(f"{name:<50}{rate:>8.1f}/s  goal {goal:>5.1f}/s  {'pass' if ok else 'FAIL'}"
                  + (f"  ({rate / bound:.0%} of the photo pipeline's bound {bound:.1f}/s: "
                     f"{per_photo * 1000:.0f} ms CPU a photo)" if flow is with_photos else "")
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
    record("submissions" if not database else "submissions_postgresql",
           {"seconds": SECONDS, "rows": figures, "stored": stored, "sent": sent,
            "photo_cpu_ms": round(per_photo * 1000, 1), "photo_bound_per_s": round(bound, 2)})
    shutil.rmtree(folder, ignore_errors=True)
    return 0 if all(f["pass"] for f in figures) and stored == sent else 1


if __name__ == "__main__":
    sys.exit(main())
