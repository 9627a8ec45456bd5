"""The whole dashboard for a filter: its figures beside the previous period's (or campaign's)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models import Hall, Unit, Window
from app.services.metrics import ranking as rankings
from app.services.metrics import scope as scopes
from app.services.metrics.figures import FIGURE_NAMES, Figures, GroupKey, figures
from app.services.metrics.summary import Summary, summary

#: Figures whose change is neither good nor bad (more visits is more work done, not better service).
NEUTRAL = frozenset({"visits"})


@dataclass(frozen=True)
class Compared:
    """A figure now and in the previous period or campaign."""

    now: float | None
    before: float | None

    @property
    def change(self) -> float | None:
        return None if self.now is None or self.before is None else self.now - self.before

    def verdict(self, name: str) -> str | None:
        """"better" or "worse" for figure ``name`` (FIGURE_NAMES says which way is good), None
        when unchanged, not comparable, or a figure that is neither good nor bad (the summary's
        counts)."""
        higher_is_better = FIGURE_NAMES.get(name)
        if self.change is None or self.change == 0 or higher_is_better is None or name in NEUTRAL:
            return None
        return "better" if (self.change > 0) == higher_is_better else "worse"


@dataclass(frozen=True)
class GroupRow:
    """A unit's or window's figures, now and before (before is empty without a comparison)."""

    id: int
    name: str
    now: Figures
    before: Figures | None

    def compared(self, name: str) -> Compared:
        return Compared(getattr(self.now, name), getattr(self.before, name) if self.before else None)


@dataclass(frozen=True)
class Dashboard:
    filter: scopes.Filter
    previous: scopes.Filter | None
    now: Summary
    before: Summary | None
    units: list[GroupRow] = field(default_factory=list)
    windows: list[GroupRow] = field(default_factory=list)
    unit_ranking: rankings.Ranking = rankings.Ranking((), ())
    window_ranking: rankings.Ranking = rankings.Ranking((), ())

    def compared(self, name: str) -> Compared:
        """A headline count (Summary attribute) or an overall figure (Figures attribute)."""
        def value(s: Summary | None) -> Any:
            if s is None:
                return None
            return getattr(s, name) if hasattr(s, name) else getattr(s.overall, name)
        return Compared(value(self.now), value(self.before))


def _names(by: GroupKey, ids: set[Any]) -> dict[int, str]:
    if not ids:
        return {}
    if by == "unit_id":
        stmt = sa.select(Unit.id, Unit.name).where(Unit.id.in_(ids))
    else:
        stmt = (sa.select(Window.id, Hall.name + " " + Window.number + " " + Window.name)
                .join(Hall, Hall.id == Window.hall_id).where(Window.id.in_(ids)))
    return {key: name for key, name in db.session.execute(stmt)}


def groups(f: scopes.Filter, before: scopes.Filter | None, by: GroupKey) -> list[GroupRow]:
    """Per unit or window: every one with visits or issues now, by name."""
    now = figures(f, by)
    earlier = figures(before, by) if before is not None else {}
    names = _names(by, set(now))
    return sorted((GroupRow(id=key, name=names.get(key, str(key)), now=row,
                            before=earlier.get(key, Figures()) if before is not None else None)
                   for key, row in now.items()), key=lambda r: (r.name, r.id))


def dashboard(f: scopes.Filter, today: date) -> Dashboard:
    """Every figure of the dashboard but the charts' series (see ``series``)."""
    before = scopes.previous(f)
    return Dashboard(
        filter=f, previous=before, now=summary(f, today), before=summary(before, today) if before else None,
        units=groups(f, before, "unit_id"), windows=groups(f, before, "window_id"),
        unit_ranking=rankings.ranking(f, "unit_id"), window_ranking=rankings.ranking(f, "window_id"))

