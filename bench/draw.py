"""How long the 双随机 draw takes for a county-sized campaign, and its re-run check.

A pool of W windows in H halls (each window of one of U units, with 3 matters of 2 situations),
M inspectors each with a home unit and one further conflict, K targets drawn, V visits each.
Prints the wall time of ``draw.run`` (sampling, situations, min-cost flow) and of a re-run.
Usage: python bench/draw.py [W M K V]   (default 400 60 200 2)
"""

from __future__ import annotations

import random
import sys
import time

from app.services.campaigns import draw


def inputs(windows: int, inspectors: int, wanted: int, visits: int, units: int = 30, halls: int = 40) -> dict:
    rng = random.Random(1)
    candidates = [{"key": f"window:{w}", "choices": [{
        "window": w, "hall": w % halls, "unit": w % units,
        "items": [{"id": w * 10 + i, "unit": (w + i) % units, "scenarios": ["甲", "乙"]} for i in range(3)]}]}
        for w in range(1, windows + 1)]
    people = [{"id": i, "units": [i % units, rng.randrange(units)], "previous_halls": [rng.randrange(halls)]}
              for i in range(1, inspectors + 1)]
    return {"targets_wanted": wanted, "visits_per_target": visits, "candidates": candidates, "inspectors": people}


def main() -> None:
    windows, inspectors, wanted, visits = (int(a) for a in (sys.argv[1:5] or (400, 60, 200, 2)))
    data = inputs(windows, inspectors, wanted, visits)
    started = time.perf_counter()
    result = draw.run(data, seed=2026)
    first = time.perf_counter() - started
    started = time.perf_counter()
    same = draw.run(data, seed=2026) == result
    again = time.perf_counter() - started
    rows = result.get("assignments", [])
    loads = [sum(r["inspector"] == i["id"] for r in rows) for i in data["inspectors"]]
    print(f"pool {windows} windows, {inspectors} inspectors, {wanted} targets x {visits} visits")
    print(f"draw: {first * 1000:.0f} ms, {len(rows)} assignments, load {min(loads)}-{max(loads)} per inspector"
          if rows else f"draw: {first * 1000:.0f} ms, no solution: {result['problems'][:3]}")
    print(f"re-run check: {again * 1000:.0f} ms, identical: {same}")


if __name__ == "__main__":
    main()
