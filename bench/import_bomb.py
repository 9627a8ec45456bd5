"""A guide import that would tie the server up: a ~1 MB .xlsx whose sheet unpacks to 1 GiB.

Measures, in a fresh process, how long ``catalogue.read_table`` takes to refuse it and how much
the process's peak RSS grows while it does. Budget: under 1 s, under 50 MB.

    make bench-import   [UNPACKED_MIB=1024]
"""

from __future__ import annotations

import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.services import catalogue  # noqa: E402
from tests.test_hostile_input import xlsx_bomb  # noqa: E402


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    unpacked = int(os.environ.get("UNPACKED_MIB", "1024")) * 1024 * 1024
    started = time.perf_counter()
    bomb = xlsx_bomb(unpacked)
    made = time.perf_counter() - started
    print(f"file: {len(bomb) / 1024:,.0f} KiB, sheet unpacks to {unpacked / 2**20:,.0f} MiB (made in {made:.1f} s)")
    before = peak_rss_mb()
    started = time.perf_counter()
    try:
        catalogue.read_table("guides.xlsx", bomb)
    except catalogue.ImportFailed as exc:
        outcome = f"refused: {exc.errors[0].message}"
    else:
        outcome = "ACCEPTED (should have been refused)"
    elapsed = time.perf_counter() - started
    growth = peak_rss_mb() - before
    print(f"{outcome}\nparse time {elapsed * 1000:.1f} ms (budget 1000 ms); "
          f"peak RSS growth {growth:.1f} MB (budget 50 MB)")
    if elapsed >= 1 or growth >= 50 or outcome.startswith("ACCEPTED"):
        sys.exit(1)


if __name__ == "__main__":
    main()
