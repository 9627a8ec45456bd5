"""Shared by the load benches: a demo county on SQLite in a temporary instance, gunicorn
serving it (2 sync workers), and signed-in sessions through the real login form."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Bench-pass-2026"
RESULTS = ROOT / "bench" / "results.json"
#: The one browser every bench request claims to be: the login and the load that replays its
#: cookie must send the same User-Agent, as a phone does. Flask-Login's session protection
#: marks a session "not fresh" — a change, so a cookie signed again — whenever the address
#: or User-Agent differ from the login's; a replayed cookie would then be re-signed on every
#: request, a cost no phone causes.
USER_AGENT = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
              "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50 NetType/4G Language/zh_CN")


def record(key: str, value: object) -> None:
    """Put one bench's figures under ``key`` in bench/results.json, beside the others'."""
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results[key] = value
    results.setdefault("recorded_at", {})[key] = time.strftime("%Y-%m-%d %H:%M")
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2))
    print(f"written to {RESULTS.relative_to(ROOT)}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def gunicorn(module: str, port: int, cwd: Path, env: dict[str, str], *, new_session: bool = False,
             options: tuple[str, ...] = ()) -> subprocess.Popen:
    """Start gunicorn (2 sync workers) on loopback and wait until it accepts connections.
    ``new_session``: in a process group of its own, so that the master and its workers can be
    killed together (os.killpg), as the crash test does; ``options``: more gunicorn options."""
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}",
                                "--log-level", "warning", *options, module], cwd=cwd, env=env,
                               start_new_session=new_session)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"gunicorn {module} did not start on port {port}")


def prepare(instance: Path) -> dict[str, str]:
    """The demo county with a submitted visit (for the review page) and an approved one."""
    os.environ.update({"RUWO_INSTANCE_PATH": str(instance), "RUWO_DEMO_PASSWORD": PASSWORD})
    from app import create_app
    from app.extensions import db
    from app.models import ServiceItem, Window
    from app.services import demo, issues
    from app.services.accounts import hasher_from_config
    from tests.factories import submitted, user

    app = create_app()
    with app.app_context():
        if db.engine.dialect.name != "sqlite":  # a PostgreSQL database named for the bench: start empty
            db.drop_all()
        db.create_all()
        demo.seed(PASSWORD, hasher_from_config(app.config), reset_passwords=False)
        db.session.commit()
        issues.approve(submitted({"attitude_score": 1}), user("leader"))
        review = submitted({"attitude_score": 2}, window="02", item="realestate-transfer")
        db.session.commit()
        window = db.session.query(Window).filter_by(name="企业登记窗口").one()
        item = db.session.query(ServiceItem).filter_by(code="market-company-setup").one()
        query = f"?window_id={window.id}&item_id={item.id}"
        uuid = "5f1e0c2a-7b3d-4e8f-9a1b-2c3d4e5f6a7b"
        return {"review": f"/dashboard/visits/{review.id}", "timer": f"/visits/v/{uuid}{query}",
                "checklist": f"/visits/v/{uuid}/checklist{query}", "ids": f"{window.id},{item.id}"}


def session_cookie(base: str, username: str) -> str:
    """Log in through the real form (CSRF on), as ``USER_AGENT``, and return the Cookie header.
    A browser keeps the cookie the server sends back, which is signed again at most once a
    minute: a load generator that replays one cookie (with ``USER_AGENT``) should take a fresh
    one for each minute of load."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    page = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"username": username, "password": PASSWORD, "csrf_token": token}).encode()
    opener.open(urllib.request.Request(f"{base}/login", data=data, headers={"Referer": f"{base}/login"}))
    opener.open(f"{base}/account")  # the session gets its CSRF token, as a browser's does on its first form
    return "; ".join(f"{c.name}={c.value}" for c in jar)


