"""The ranking of windows and units (红黑榜) by a severity-weighted score.

score = (1·low + 2·medium + 4·high + 8·critical findings) / visits, over the scope's visits and
their counted findings about the window (findings about the hall itself are left out). Each
severity weighs twice the one below it. A lower score is better.

Ties: on the black list (worst first) the higher score comes first, then the one with more
visits (more evidence), then by name; on the red list the lower score first, then more visits,
then by name. The black list holds only scores above 0, and a window on it is not also on
the red list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import sqlalchemy as sa

from app.extensions import db
from app.models import Finding, Hall, Severity, Unit, Window
from app.services.metrics import scope as scopes

WEIGHTS = {Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 4, Severity.CRITICAL: 8}
#: How many entries each list shows.
LIST_LENGTH = 5


@dataclass(frozen=True)
class Ranked:
    """One window or unit on a list."""

    id: int
    name: str
    visits: int
    points: int
    score: float


@dataclass(frozen=True)
class Ranking:
    red: tuple[Ranked, ...]
    black: tuple[Ranked, ...]


def _scored(f: scopes.Filter, by: Literal["unit_id", "window_id"]) -> sa.Subquery:
    scope = scopes.visits(f)
    visits = (sa.select(scope.c[by].label("id"), sa.func.count().label("visits")).group_by(scope.c[by]).subquery())
    found = scopes.findings(scope).where(sa.not_(Finding.hall_level)).subquery()
    weight = sa.case(*[(found.c.severity == s, w) for s, w in WEIGHTS.items()], else_=0)
    points = (sa.select(found.c[by].label("id"), sa.func.sum(weight).label("points"))
              .group_by(found.c[by]).subquery())
    total = sa.func.coalesce(points.c.points, 0)
    return (sa.select(visits.c.id, visits.c.visits, total.label("points"),
                      (sa.cast(total, sa.Float) / visits.c.visits).label("score"))
            .outerjoin(points, points.c.id == visits.c.id).subquery())


def ranking(f: scopes.Filter, by: Literal["unit_id", "window_id"], length: int = LIST_LENGTH) -> Ranking:
    """The red and black lists of windows or units in ``f``'s scope."""
    scored = _scored(f, by)
    if by == "window_id":
        name: sa.ColumnElement[str] = Hall.name + " " + Window.number + " " + Window.name
        named = (sa.select(scored, name.label("name")).join(Window, Window.id == scored.c.id)
                 .join(Hall, Hall.id == Window.hall_id))
        order_name = [Hall.name, Window.number, Window.id]
    else:
        named = sa.select(scored, Unit.name.label("name")).join(Unit, Unit.id == scored.c.id)
        order_name = [Unit.name, Unit.id]

    def rows(stmt: sa.Select) -> tuple[Ranked, ...]:
        return tuple(Ranked(id=r.id, name=r.name, visits=int(r.visits), points=int(r.points), score=float(r.score))
                     for r in db.session.execute(stmt.limit(length)))

    black = rows(named.where(scored.c.score > 0)
                 .order_by(scored.c.score.desc(), scored.c.visits.desc(), *order_name))
    on_black = [r.id for r in black]
    red = rows(named.where(scored.c.id.not_in(on_black) if on_black else sa.true())
               .order_by(scored.c.score.asc(), scored.c.visits.desc(), *order_name))
    return Ranking(red=red, black=black)
