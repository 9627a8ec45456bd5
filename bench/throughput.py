"""Page throughput under gunicorn (2 sync workers), each route against a bare Flask hello-world
under the same settings, measured in the same run: wrk (c=10, 2 threads) alternating
hello-world and the route, median of ROUNDS rounds each. Ruwo runs on SQLite with the demo
county, one submitted visit for the review page and one approved visit for the issue list.

Prints a table (figure, baseline, value, ratio, goal, pass/fail) and writes the figures to
bench/results.json (merged with what other benches wrote). Goals (issue "Speed"):
the cheapest signed-in route ≥ 25 % of hello-world; phone pages ≥ 10 % of hello-world and
≥ 50 % of the cheapest signed-in route; leader pages ≥ 6 % and ≥ 30 %.

    make bench-throughput     [ROUNDS=3 SECONDS=5]
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._server import USER_AGENT, free_port, gunicorn, prepare, record, session_cookie  # noqa: E402

ROUNDS = int(os.environ.get("ROUNDS", "3"))
SECONDS = int(os.environ.get("SECONDS", "5"))
HELLO = "from flask import Flask\napp = Flask(__name__)\n\n@app.get('/')\ndef hello():\n    return 'Hello, World!'\n"


def wrk(url: str, cookie: str = "") -> float:
    command = ["wrk", "-t2", "-c10", f"-d{SECONDS}s", "-H", f"User-Agent: {USER_AGENT}", url]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out:
        raise SystemExit(f"{url} answered errors under load:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def main() -> int:
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install -y wrk); skipped")
        return 0
    folder = Path(tempfile.mkdtemp(prefix="ruwo-throughput-"))
    (folder / "hello.py").write_text(HELLO)
    paths = prepare(folder / "instance")
    env = {**os.environ, "RUWO_INSTANCE_PATH": str(folder / "instance"), "RUWO_CONFIG": "development",
           "RUWO_RATELIMIT_ENABLED": "false"}
    hello_port, ruwo_port = free_port(), free_port()
    servers = [gunicorn("hello:app", hello_port, folder, env), gunicorn("wsgi:app", ruwo_port, ROOT, env)]
    try:
        base, hello = f"http://127.0.0.1:{ruwo_port}", f"http://127.0.0.1:{hello_port}/"
        inspector, leader = "inspector1", "leader"
        routes = [("cheapest signed-in (/visits/api/session)", "/visits/api/session", inspector, "cheapest"),
                  ("inspector home", "/visits/", inspector, "phone"),
                  ("timer", paths["timer"], inspector, "phone"),
                  ("checklist", paths["checklist"], inspector, "phone"),
                  ("leader home (dashboard)", "/dashboard/", leader, "leader"),
                  ("review page", paths["review"], leader, "leader"),
                  ("issue list, first page", "/issues/all", leader, "leader")]
        # Each run replays a cookie taken just before it, as a phone sends the one it last got.
        wrk(hello)  # warm up both
        for _name, path, user, _kind in routes:
            wrk(base + path, session_cookie(base, user))
        baseline: list[float] = []
        measured: dict[str, list[float]] = {name: [] for name, *_ in routes}
        for _ in range(ROUNDS):
            for name, path, user, _kind in routes:
                baseline.append(wrk(hello))
                measured[name].append(wrk(base + path, session_cookie(base, user)))
    finally:
        for server in servers:
            server.terminate()
            server.wait(30)
    hello_rps = statistics.median(baseline)
    cheapest = statistics.median(measured[routes[0][0]])
    goals = {"cheapest": (0.25, None), "phone": (0.10, 0.50), "leader": (0.06, 0.30)}
    rows, failed = [], False
    print(f"hello-world (gunicorn, 2 sync workers, wrk c=10): {hello_rps:,.0f} requests/s (median of {len(baseline)})")
    print(f"{'figure':<44}{'req/s':>9}{'of hello':>10}{'goal':>7}{'of cheapest':>13}{'goal':>7}  result")
    for name, _path, _cookie, kind in routes:
        value = statistics.median(measured[name])
        of_hello, of_cheapest = value / hello_rps, value / cheapest
        goal_hello, goal_cheapest = goals[kind]
        ok = of_hello >= goal_hello and (goal_cheapest is None or of_cheapest >= goal_cheapest)
        failed |= not ok
        print(f"{name:<44}{value:>9,.0f}{of_hello:>9.1%}{goal_hello:>7.0%}"
              f"{(f'{of_cheapest:.0%}' if goal_cheapest else '—'):>13}"
              f"{(f'{goal_cheapest:.0%}' if goal_cheapest else '—'):>7}  {'pass' if ok else 'FAIL'}")
        rows.append({"figure": name, "requests_per_s": round(value, 1), "baseline_hello_rps": round(hello_rps, 1),
                     "ratio_of_hello": round(of_hello, 4), "goal_of_hello": goal_hello,
                     "ratio_of_cheapest": round(of_cheapest, 4), "goal_of_cheapest": goal_cheapest, "pass": ok})
    record("throughput", {"rounds": ROUNDS, "seconds": SECONDS, "rows": rows})
    shutil.rmtree(folder, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
