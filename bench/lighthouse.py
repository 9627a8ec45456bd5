"""Lighthouse (mobile, its default) on the inspector's pages: performance and accessibility.

Serves the demo county under gunicorn (2 sync workers, as the other benches), signs in as
inspector1 through the real form and runs Lighthouse on each page with that session cookie,
Debian's Chromium headless. Goal (issue "Six taps in the hall"): at least 98 for both, on every
inspector page. Lighthouse comes from npm (``make bench-lighthouse`` installs it under
bench/.lighthouse); results are added to bench/results.json.

    make bench-lighthouse
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._server import ROOT, free_port, gunicorn, prepare, record, session_cookie  # noqa: E402

GOAL = 98
LIGHTHOUSE = ROOT / "bench" / ".lighthouse" / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = os.environ.get("RUWO_CHROMIUM", "/usr/bin/chromium")
FLAGS = "--headless --no-sandbox --disable-gpu --disable-background-networking"


def audit(url: str, cookie: str | None, folder: Path) -> dict[str, int]:
    report = folder / "report.json"
    command = [str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={report}",
               "--only-categories=performance,accessibility", f"--chrome-flags={FLAGS}"]
    if cookie:
        command.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
    subprocess.run(command, check=True, env={**os.environ, "CHROME_PATH": CHROMIUM}, timeout=180)
    data = json.loads(report.read_text())
    failing = [a["id"] for a in data["audits"].values()
               if a.get("score") is not None and a["score"] < 0.9 and a.get("scoreDisplayMode") in ("binary", "numeric")]
    scores = {name: round(category["score"] * 100) for name, category in data["categories"].items()}
    return {**scores, "below_0.9": failing[:8]}  # type: ignore[dict-item]


def main() -> int:
    if not LIGHTHOUSE.exists():
        print("Lighthouse is not installed: run `make bench-lighthouse` (npm install under bench/.lighthouse)")
        return 0
    folder = Path(tempfile.mkdtemp(prefix="ruwo-lighthouse-"))
    paths = prepare(folder / "instance")
    env = {**os.environ, "RUWO_INSTANCE_PATH": str(folder / "instance"), "RUWO_CONFIG": "development",
           "RUWO_RATELIMIT_ENABLED": "false"}
    port = free_port()
    server = gunicorn("wsgi:app", port, ROOT, env)
    rows, failed = [], False
    try:
        base = f"http://127.0.0.1:{port}"
        inspector = session_cookie(base, "inspector1")
        pages = [("login", "/login", None), ("inspector home", "/visits/", inspector),
                 ("start: halls", "/visits/start", inspector), ("timer", paths["timer"], inspector),
                 ("checklist", paths["checklist"], inspector)]
        print(f"{'page':<16}{'performance':>13}{'accessibility':>15}  goal  result")
        for name, path, cookie in pages:
            scores = audit(base + path, cookie, folder)
            ok = scores["performance"] >= GOAL and scores["accessibility"] >= GOAL
            failed |= not ok
            rows.append({"page": name, "path": path, **scores, "goal": GOAL, "pass": ok})
            print(f"{name:<16}{scores['performance']:>13}{scores['accessibility']:>15}  ≥{GOAL}   "
                  f"{'pass' if ok else 'FAIL'}" + ("" if ok else f"  ({', '.join(scores['below_0.9'])})"))
    finally:
        server.terminate()
        server.wait(timeout=10)
    record("lighthouse", rows)
    shutil.rmtree(folder, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
