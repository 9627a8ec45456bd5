"""The analysts' visits CSV at 100,000 visits (made by ``demo-scale``) against a raw cursor dump
of the same data: the export's own columns (visits joined to window, hall, unit, matter and
inspector, with the count of findings) and every answer, read with a bare DB-API cursor and
written with csv.writer, with no labels, formatting or escaping. The issue asks a ratio ≤ 2.

Each figure is the median of 3 runs, the two taken in turn (wall time; the CPU time of this
process beside it, steadier on a busy machine, and on SQLite the whole work); then one more
export under tracemalloc for its peak memory (streamed: flat however many visits there are).

    python bench/visits_csv.py [VISITS]     # default 100000; SQLite
    RUWO_BENCH_POSTGRES=postgresql+psycopg://… python bench/visits_csv.py   # and PostgreSQL
"""

from __future__ import annotations

import csv
import io
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.extensions import db  # noqa: E402
from app.services import checklists, reports, visits  # noqa: E402
from bench.lists import county  # noqa: E402

#: What the export reads, as one would select it by hand: the same rows in the same order, the
#: same visit, window, hall, unit, matter and inspector columns, and the findings counted.
RAW_VISITS = """
SELECT v.id, v.uuid, v.created_at, v.window_id, h.name, w.number, w.name, u.name, s.name, i.display_name,
       i.username, v.state, v.arrived_at, v.ticket_at, v.called_at, v.served_at, v.finished_at, v.distance_m,
       v.latitude, v.longitude, v.accuracy_m, h.latitude, h.longitude, h.radius_m,
       (SELECT count(*) FROM findings f WHERE f.visit_id = v.id AND f.state != 'dismissed')
FROM visits v JOIN windows w ON w.id = v.window_id JOIN halls h ON h.id = w.hall_id JOIN units u ON u.id = w.unit_id
JOIN users i ON i.id = v.inspector_id LEFT JOIN service_items s ON s.id = v.service_item_id
ORDER BY v.created_at DESC, v.id DESC
"""
#: Every answer as stored (JSON text).
RAW_ANSWERS = "SELECT visit_id, question_key, CAST(value AS TEXT) FROM visit_answers ORDER BY visit_id"


def raw_dump() -> int:
    connection = db.engine.raw_connection()
    try:
        out = io.StringIO()
        writer = csv.writer(out)
        cursor = connection.cursor()
        for query in (RAW_VISITS, RAW_ANSWERS):
            cursor.execute(query)
            writer.writerows(cursor)
        cursor.close()
        return out.tell()
    finally:
        connection.close()


def export() -> int:
    template = checklists.registry().current()
    return sum(len(chunk) for chunk in reports.visits_export.csv_chunks(visits.ArchiveFilter(), template))


def medians_ms(*works) -> list[tuple[float, float]]:  # type: ignore[no-untyped-def]
    """The median wall and CPU time of each of ``works`` over 3 rounds, taken in turn (so that
    both sides of the ratio see the same load on the machine)."""
    times: list[list[tuple[float, float]]] = [[] for _work in works]
    for _n in range(3):
        for work, taken in zip(works, times, strict=True):
            wall, cpu = time.perf_counter(), time.process_time()
            work()
            taken.append((time.perf_counter() - wall, time.process_time() - cpu))
    return [(statistics.median(w for w, _c in taken) * 1000, statistics.median(c for _w, c in taken) * 1000)
            for taken in times]


def peak_mib(work) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    tracemalloc.start()
    try:
        size = work()
        return tracemalloc.get_traced_memory()[1] / 2**20, size
    finally:
        tracemalloc.stop()


def run(name: str, url: str, count: int) -> None:
    app, _hall = county(url, count, Path(tempfile.mkdtemp()))
    with app.test_request_context():
        (ours, ours_cpu), (raw, raw_cpu) = medians_ms(export, raw_dump)
        peak, size = peak_mib(export)
    print(f"{name}, {count:,} visits: export {ours:.0f} ms ({size / 2**20:.1f} MiB of text, peak "
          f"{peak:.1f} MiB traced), raw cursor dump {raw:.0f} ms, ratio {ours / raw:.2f} "
          f"(CPU in this process: {ours_cpu:.0f} ms / {raw_cpu:.0f} ms = {ours_cpu / raw_cpu:.2f})", flush=True)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    run("SQLite", f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3", count)
    postgres = os.environ.get("RUWO_BENCH_POSTGRES")
    if postgres:
        run("PostgreSQL", postgres, count)


if __name__ == "__main__":
    main()
