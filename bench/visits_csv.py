"""The analysts' visits CSV at 100,000 visits (demo-scale) against a raw cursor dump of the same
visit columns: the export adds answers (one column per question), labels and position marks.

    python bench/visits_csv.py [VISITS]     # default 100000
"""

from __future__ import annotations

import csv
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.extensions import db  # noqa: E402
from app.services import checklists, reports, visits  # noqa: E402
from bench.lists import county  # noqa: E402

#: The same rows and the plain columns the export starts with, and every answer, as one might
#: dump them by hand: visits with their window, hall, unit, matter and inspector, then answers.
RAW_VISITS = """
SELECT v.uuid, v.created_at, h.name, w.number || ' ' || w.name, u.name, s.name, i.display_name, v.state,
       v.arrived_at, v.ticket_at, v.called_at, v.served_at, v.finished_at, v.distance_m
FROM visits v JOIN windows w ON w.id = v.window_id JOIN halls h ON h.id = w.hall_id JOIN units u ON u.id = w.unit_id
LEFT JOIN service_items s ON s.id = v.service_item_id JOIN users i ON i.id = v.inspector_id
ORDER BY v.created_at DESC, v.id DESC
"""
RAW_ANSWERS = "SELECT visit_id, question_key, value FROM visit_answers ORDER BY visit_id"


def raw_dump() -> int:
    connection = db.engine.raw_connection()
    try:
        out = io.StringIO()
        writer = csv.writer(out)
        cursor = connection.cursor()
        cursor.execute(RAW_VISITS)
        for row in cursor:
            writer.writerow(row)
        cursor.execute(RAW_ANSWERS)
        for row in cursor:
            writer.writerow(row)
        return out.tell()
    finally:
        connection.close()


def export() -> int:
    template = checklists.registry().current()
    return sum(len(chunk) for chunk in reports.visits_export.csv_chunks(visits.ArchiveFilter(), template))


def median_ms(work) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _n in range(3):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    app, _hall = county(f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3", count, Path(tempfile.mkdtemp()))
    with app.test_request_context():
        ours, raw = median_ms(export), median_ms(raw_dump)
        print(f"{count:,} visits: export {ours:.0f} ms ({export() / 2**20:.1f} MiB of text), raw cursor dump "
              f"{raw:.0f} ms, ratio {ours / raw:.2f}")


if __name__ == "__main__":
    main()
