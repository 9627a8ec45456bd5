"""How long the dashboard's figures take, against the same aggregates hand-written as SQL.

A county of N visits is made by ``demo-scale`` (app.services.scale) on SQLite and, when
RUWO_BENCH_POSTGRES names an empty database, on PostgreSQL. Over the last 365 days, it times
(median of 5 after a warm-up) each service call of the dashboard page and of its charts, and
hand-written SQL for the per-unit figures and the 90th percentile run directly through the
driver's cursor; it checks that both give the same numbers.

    python bench/dashboard.py [N]           # default 20000 visits
    RUWO_BENCH_POSTGRES=postgresql+psycopg://… make bench-dashboard
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.extensions import db  # noqa: E402
from app.services import metrics  # noqa: E402
from app.services.calendar import china_today  # noqa: E402
from app.services.metrics import scope as scopes  # noqa: E402
from bench.lists import county  # noqa: E402

# The per-unit visit figures and the nearest-rank 90th percentile, as one would write them by hand
# (over a year the period is compared as an expression, as the service does: reading the table
# beats following the submitted_at index row by row).
UNITS_SQL = """
SELECT w.unit_id, COUNT(*), COUNT(x.visit_id),
       SUM(CASE WHEN CAST(a.value AS TEXT) = '"written"' THEN 1 ELSE 0 END), COUNT(a.visit_id),
       AVG(v.wait_min), AVG(v.trips), AVG(v.attitude)
FROM visits v JOIN windows w ON w.id = v.window_id
LEFT JOIN (SELECT visit_id FROM visit_materials WHERE kind = 'extra' GROUP BY visit_id) x ON x.visit_id = v.id
LEFT JOIN visit_answers a ON a.visit_id = v.id AND a.question_key = 'one_time_notice'
WHERE v.state IN ('submitted', 'approved') AND COALESCE(v.submitted_at, NULL) >= :low AND COALESCE(v.submitted_at, NULL) < :high
GROUP BY w.unit_id
"""
P90_SQL = """
SELECT unit_id, MIN(wait_min) FROM (
  SELECT w.unit_id, v.wait_min,
         ROW_NUMBER() OVER (PARTITION BY w.unit_id ORDER BY v.wait_min) AS rn,
         COUNT(*) OVER (PARTITION BY w.unit_id) AS n
  FROM visits v JOIN windows w ON w.id = v.window_id
  WHERE v.state IN ('submitted', 'approved') AND COALESCE(v.submitted_at, NULL) >= :low AND COALESCE(v.submitted_at, NULL) < :high
    AND v.wait_min IS NOT NULL) ranked
WHERE rn * 10 >= n * 9 GROUP BY unit_id
"""


def timed(work) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    result = work()
    times = []
    for _n in range(5):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000, result


def raw(sql: str, low, high) -> list[tuple]:  # type: ignore[no-untyped-def]
    """``sql`` through the driver's own cursor (its placeholder style, its datetime format)."""
    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        if db.engine.dialect.name == "sqlite":  # stored as naive UTC text (app.models.base.UTCDateTime)
            params = tuple(d.replace(tzinfo=None).isoformat(" ") for d in (low, high))
            cursor.execute(sql.replace(":low", "?").replace(":high", "?"), params)
        else:
            cursor.execute(sql.replace(":low", "%s").replace(":high", "%s"), (low, high))
        return list(cursor.fetchall())
    finally:
        connection.close()


def run(name: str, url: str, visits: int) -> None:
    print(f"{name}, {visits:,} visits:")
    folder = Path(tempfile.mkdtemp())
    app, _hall = county(url, visits, folder)
    with app.app_context():
        today = china_today()
        wanted = metrics.Filter(start=today - timedelta(days=364), end=today)
        low, high = scopes.utc_bounds(wanted.start, wanted.end)
        calls = {
            "dashboard (all figures)": lambda: metrics.dashboard(wanted, today),
            "  summary": lambda: metrics.summary(wanted, today),
            "  figures per unit": lambda: metrics.figures(wanted, "unit_id"),
            "  figures per window": lambda: metrics.figures(wanted, "window_id"),
            "  ranking of windows": lambda: metrics.ranking(wanted, "window_id"),
            "weekly trend": lambda: metrics.weeks(wanted),
            "waits histogram": lambda: metrics.waits(wanted),
            "halls": lambda: metrics.halls(wanted),
            "hand SQL: unit visit figures": lambda: raw(UNITS_SQL, low, high),
            "hand SQL: unit 90th percentile": lambda: raw(P90_SQL, low, high),
        }
        results = {label: timed(work) for label, work in calls.items()}
        for label, (ms, _result) in results.items():
            print(f"  {label:<34}{ms:>9.1f} ms")
        units = results["  figures per unit"][1]
        hand = {row[0]: row for row in results["hand SQL: unit visit figures"][1]}  # type: ignore[union-attr]
        p90 = dict(results["hand SQL: unit 90th percentile"][1])  # type: ignore[arg-type]
        same = all(units[k].visits == hand[k][1] and units[k].wait_p90 == p90.get(k) for k in hand)  # type: ignore[index]
        print(f"  service and hand SQL agree: {same} ({len(hand)} units, "
              f"{sum(row[1] for row in hand.values()):,} visits in the period)")
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    visits = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    run("SQLite", f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3", visits)
    postgres = os.environ.get("RUWO_BENCH_POSTGRES")
    if postgres:
        run("PostgreSQL", postgres, visits)


if __name__ == "__main__":
    main()
