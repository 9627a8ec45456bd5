"""One table of the figures `make bench` measured (read back from bench/results.json): figure,
baseline, value, ratio, goal, pass/fail. Exits 1 when any figure misses its goal, so that
`make bench` fails after every bench has run rather than at the first miss.

    make bench        (runs the benches, then this)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results.json"


def rows(results: dict) -> list[tuple[str, str, str, str, str, bool]]:
    """(figure, baseline, value, ratio, goal, pass) for each figure of the quick benches found."""
    table = []
    for row in results.get("pages", {}).get("rows", []):
        table.append((f"page weight: {row['figure']}", "—", f"{row['bytes']:,} B ({row['gzip_bytes']:,} gzip)", "—",
                      f"≤ {row['budget']:,} B", row["pass"]))
    throughput = results.get("throughput", {})
    for row in throughput.get("rows", []):
        goal = f"≥ {row['goal_of_hello']:.0%} of hello"
        ratio = f"{row['ratio_of_hello']:.1%}"
        if row.get("goal_of_cheapest"):
            goal += f", ≥ {row['goal_of_cheapest']:.0%} of cheapest"
            ratio += f", {row['ratio_of_cheapest']:.0%}"
        table.append((f"req/s: {row['figure']}", f"hello {row['baseline_hello_rps']:,.0f}/s",
                      f"{row['requests_per_s']:,.0f}/s", ratio, goal, row["pass"]))
    for key, database in (("submissions", "SQLite"), ("submissions_postgresql", "PostgreSQL")):
        figures = results.get(key)
        if not figures:
            continue
        for row in figures["rows"]:
            photos = "photos" in row["figure"]
            bound = figures["photo_bound_per_s"]
            table.append((f"{database}: {row['figure']}", f"bound {bound:.1f}/s" if photos else "—",
                          f"{row['per_second']:.1f}/s", f"{row['per_second'] / bound:.0%}" if photos else "—",
                          "≥ 80 % of bound" if photos else f"≥ {row['goal']:.0f}/s", row["pass"]))
    photos = results.get("photos")
    if photos:
        table.append(("photo pipeline time", f"minimal {photos['minimal_ms']:.1f} ms", f"{photos['ruwo_ms']:.1f} ms",
                      f"{photos['ratio']:.2f}×", f"≤ {photos['ratio_goal']}×", photos["ratio"] <= photos["ratio_goal"]))
        table.append(("photo pipeline peak memory", "—", f"{photos['peak_mb']:.1f} MB", "—",
                      f"≤ {photos['peak_goal_mb']} MB", photos["peak_mb"] <= photos["peak_goal_mb"]))
    return table


def main() -> int:
    if not RESULTS.exists():
        print("no bench/results.json: run the benches first")
        return 1
    results = json.loads(RESULTS.read_text())
    table = rows(results)
    header = ("figure", "baseline", "value", "ratio", "goal")
    widths = [max(len(str(r[i])) for r in [header, *table]) for i in range(len(header))]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + "  result")
    for row in table:
        print("  ".join(str(c).ljust(w) for c, w in zip(row[:5], widths, strict=True)) + ("  pass" if row[5] else "  FAIL"))
    missed = sum(1 for r in table if not r[5])
    when = results.get("recorded_at", {})
    print("measured: " + "; ".join(f"{key} {when.get(key, '?')}" for key in
                                    ("pages", "throughput", "submissions", "submissions_postgresql", "photos")
                                    if key in results))
    print(f"{len(table) - missed} of {len(table)} figures meet their goal")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
