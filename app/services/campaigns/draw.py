"""The 双随机 draw, as a pure function of its inputs and a seed (nothing here reads the database).

Targets are sampled at random from the pool; each drawn target gets a window, a matter and a
situation (情形) at random; then inspectors are paired with targets by a minimum-cost maximum
flow, so that a pairing is found whenever one exists:

- never a target of a unit the inspector has a conflict with (home unit, listed conflicts);
- distinct inspectors for the visits to one target;
- balanced load: every inspector of the pool gets ⌊N/M⌋ or ⌈N/M⌉ visits;
- where avoidable, not a hall the inspector visited in the previous campaign;
- ties broken at random (random edge costs below every other cost).

``run(inputs, seed)`` gives the same result for the same canonically ordered inputs and seed:
that is what makes a draw checkable afterwards. Change ALGORITHM when the procedure changes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import networkx as nx

ALGORITHM = "ruwo-draw-1"
#: Spread of the random tie-breaking costs.
TIE_BREAK = 1000


@dataclass(frozen=True)
class Target:
    key: str
    window: int
    hall: int
    units: frozenset[int]
    item: int | None
    scenario: str | None


@dataclass(frozen=True)
class Inspector:
    id: int
    units: frozenset[int]
    previous_halls: frozenset[int]


@dataclass(frozen=True)
class Problem:
    """Why no pairing exists: the constraint that fails and the target or inspector it fails for."""

    constraint: str  # "empty", "no_inspectors", "conflict", "balance"
    target: str | None = None
    inspector: int | None = None
    have: int = 0
    need: int = 0

    def as_json(self) -> dict[str, Any]:
        return {"constraint": self.constraint, "target": self.target, "inspector": self.inspector,
                "have": self.have, "need": self.need}


def canonical(inputs: dict[str, Any]) -> dict[str, Any]:
    """The inputs in one order (candidates by key, inspectors by id, every list sorted)."""
    candidates = []
    for cand in sorted(inputs["candidates"], key=lambda c: c["key"]):
        choices = []
        for choice in sorted(cand["choices"], key=lambda c: c["window"]):
            items = [{"id": it["id"], "unit": it["unit"], "scenarios": sorted(set(it.get("scenarios", [])))}
                     for it in sorted(choice.get("items", []), key=lambda it: it["id"])]
            choices.append({"window": choice["window"], "hall": choice["hall"], "unit": choice["unit"],
                            "items": items})
        candidates.append({"key": cand["key"], "choices": choices})
    inspectors = [{"id": i["id"], "units": sorted(set(i["units"])), "previous_halls": sorted(set(i["previous_halls"]))}
                  for i in sorted(inputs["inspectors"], key=lambda i: i["id"])]
    return {"targets_wanted": inputs.get("targets_wanted"), "visits_per_target": int(inputs["visits_per_target"]),
            "candidates": candidates, "inspectors": inspectors}


def run(inputs: dict[str, Any], seed: int) -> dict[str, Any]:
    """The draw: ``{"assignments": [...]}``, or ``{"problems": [...]}`` when no pairing exists."""
    inputs = canonical(inputs)
    rng = random.Random(seed)  # noqa: S311 - must be re-runnable from its seed; the seed comes from secrets
    targets = _draw_targets(inputs, rng)
    inspectors = [Inspector(i["id"], frozenset(i["units"]), frozenset(i["previous_halls"]))
                  for i in inputs["inspectors"]]
    paired = pair(targets, inspectors, inputs["visits_per_target"], rng)
    if paired.problems:
        return {"problems": [p.as_json() for p in paired.problems]}
    by_key = {t.key: t for t in targets}
    rows = []
    for key, inspector_ids in sorted(paired.served.items()):
        target = by_key[key]
        for round_, inspector_id in enumerate(sorted(inspector_ids), start=1):
            rows.append({"target": key, "window": target.window, "hall": target.hall, "item": target.item,
                         "scenario": target.scenario, "inspector": inspector_id, "round": round_})
    return {"assignments": rows}


def _draw_targets(inputs: dict[str, Any], rng: random.Random) -> list[Target]:
    candidates = [c for c in inputs["candidates"] if c["choices"]]
    wanted = inputs["targets_wanted"]
    if wanted is not None and wanted < len(candidates):
        candidates = sorted(rng.sample(candidates, wanted), key=lambda c: c["key"])
    targets = []
    for cand in candidates:
        choice = rng.choice(cand["choices"])
        item = rng.choice(choice["items"]) if choice["items"] else None
        scenario = rng.choice(item["scenarios"]) if item and item["scenarios"] else None
        units = frozenset({choice["unit"]} | ({item["unit"]} if item else set()))
        targets.append(Target(cand["key"], choice["window"], choice["hall"], units,
                              item["id"] if item else None, scenario))
    return targets


@dataclass(frozen=True)
class Pairing:
    """Inspector ids per target key, or the problems that make a pairing impossible."""

    served: dict[str, list[int]]
    problems: list[Problem]


def eligible(target: Target, inspector: Inspector) -> bool:
    """No conflict of interest: none of the target's units is one the inspector must not visit."""
    return not (target.units & inspector.units)


def pair(targets: list[Target], inspectors: list[Inspector], per_target: int,
         rng: random.Random) -> Pairing:
    """Inspectors for each target (``per_target`` distinct ones), or why that is impossible."""
    if not targets:
        return Pairing({}, [Problem("empty")])
    if not inspectors:
        return Pairing({}, [Problem("no_inspectors")])
    short = [Problem("conflict", target=t.key, have=n, need=per_target) for t in targets
             if (n := sum(eligible(t, i) for i in inspectors)) < per_target]
    if short:
        return Pairing({}, short)
    total, count = len(targets) * per_target, len(inspectors)
    floor, ceil = total // count, -(-total // count)
    avoid = TIE_BREAK * (total + 1)  # one avoidable repeat of a hall costs more than all tie-breaks
    force = avoid * (total + 1)  # filling every inspector's floor comes before everything else
    graph = nx.DiGraph()
    for t in targets:
        graph.add_edge("source", ("t", t.key), capacity=per_target, weight=0)
        for i in inspectors:
            if eligible(t, i):
                cost = (avoid if t.hall in i.previous_halls else 0) + rng.randrange(TIE_BREAK)
                graph.add_edge(("t", t.key), ("i", i.id), capacity=1, weight=cost)
    for i in inspectors:
        graph.add_edge(("i", i.id), "sink", capacity=floor, weight=-force)
        graph.add_edge(("i", i.id), ("x", i.id), capacity=ceil - floor, weight=0)
        graph.add_edge(("x", i.id), "sink", capacity=ceil - floor, weight=0)
    flow = nx.max_flow_min_cost(graph, "source", "sink")
    loads = {i.id: sum(flow[("i", i.id)].values()) for i in inspectors}
    served = {t.key: [i.id for i in inspectors if flow[("t", t.key)].get(("i", i.id), 0)] for t in targets}
    if sum(loads.values()) == total and all(load >= floor for load in loads.values()):
        return Pairing(served, [])
    return Pairing({}, _balance_problems(targets, inspectors, served, floor, per_target))


def _balance_problems(targets: list[Target], inspectors: list[Inspector], served: dict[str, list[int]],
                      floor: int, per_target: int) -> list[Problem]:
    """Every target has enough inspectors without conflict, but the load cannot be spread within 1."""
    starved = [Problem("balance", inspector=i.id, have=n, need=floor) for i in inspectors
               if (n := sum(eligible(t, i) for t in targets)) < floor]
    if starved:
        return starved
    return [Problem("balance", target=key, have=len(ids), need=per_target)
            for key, ids in served.items() if len(ids) < per_target] or [Problem("balance")]
