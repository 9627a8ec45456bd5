"""The 整改台账 of a demo-scale county: its time against a bare write of the same rows with
openpyxl's write-only mode (no styles, values already in memory), and its peak memory at two
sizes (tracemalloc), to show that memory does not grow with the rows.

    python bench/ledger.py [VISITS ...]     # default 20000 100000 (4,000 and 20,000 issues)
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import tracemalloc
from io import BytesIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from openpyxl import Workbook  # noqa: E402

from app.extensions import db  # noqa: E402
from app.services import issues, reports  # noqa: E402
from app.services.calendar import china_today  # noqa: E402
from bench.lists import county  # noqa: E402


def median_ms(work) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _n in range(3):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def bare(values: list[list[object]]) -> None:
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    for row in values:
        sheet.append(row)
    book.save(BytesIO())


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [20_000, 100_000]
    for visits in sizes:
        app, _hall = county(f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3", visits, Path(tempfile.mkdtemp()))
        with app.test_request_context():
            today = china_today()
            query = issues.search_query(issues.IssueFilter(), today)
            values = [[r.number, f"#{r.issue_id}", r.found_on, r.place, r.category, r.description, r.severity,
                       r.lead_unit, r.supporting_units, r.measures, r.rectification_type, r.deadline, str(r.state),
                       r.closed_on, r.revisit, r.occurrences, r.escalation] for r in reports.ledger_rows(query, today)]
            ledger = median_ms(lambda: reports.ledger_workbook(query, today, "bench"))  # noqa: B023
            plain = median_ms(lambda: bare(values))  # noqa: B023
            tracemalloc.start()
            size = len(reports.ledger_workbook(query, today, "bench"))
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            print(f"{len(values):>7,} issues: ledger {ledger:7.0f} ms, bare write {plain:7.0f} ms, "
                  f"ratio {ledger / plain:4.2f}; peak memory {peak / 2**20:5.1f} MiB; file {size / 2**20:4.1f} MiB")
            db.session.remove()


if __name__ == "__main__":
    main()
