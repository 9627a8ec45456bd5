"""A re-visit's verdicts: for each point it was sent to verify, fixed, not fixed or not checked."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from app.extensions import db
from app.models import Assignment, RevisitCheck, RevisitVerdict, Verdict, Visit
from app.services.errors import ServiceError

#: More points than a re-visit is ever sent with: a bound on what the phone may send.
MAX_VERDICTS = 200


def parse(raw: Any) -> dict[int, Verdict]:
    """``{"<check id>": "fixed" | "not_fixed" | "not_checked"}`` from the phone (400 if malformed)."""
    if raw is None:
        return {}
    if not isinstance(raw, dict) or len(raw) > MAX_VERDICTS:
        raise ServiceError("verdicts must be an object of check ids", field="verdicts")
    found: dict[int, Verdict] = {}
    for key, value in raw.items():
        if not (isinstance(key, str) and key.isascii() and key.isdigit() and len(key) <= 10):
            raise ServiceError("verdicts are keyed by check id", field="verdicts")
        if value in (None, ""):
            continue
        try:
            found[int(key)] = Verdict(value)
        except ValueError:
            raise ServiceError("a verdict is fixed, not_fixed or not_checked", field="verdicts") from None
    return found


def checks_for(assignment: Assignment | None) -> list[RevisitCheck]:
    """The points a re-visit assignment was sent to verify, in order."""
    if assignment is None:
        return []
    return list(db.session.scalars(sa.select(RevisitCheck).where(RevisitCheck.assignment_id == assignment.id)
                                   .order_by(RevisitCheck.position, RevisitCheck.id)))


def of_visit(visit: Visit) -> dict[int, Verdict]:
    if visit.assignment_id is None:  # only a re-visit's assignment has points to judge (``save``)
        return {}
    return of_visits([visit.id])[visit.id]


def of_visits(visit_ids: Collection[int]) -> dict[int, dict[int, Verdict]]:
    """Each visit's verdicts by check id, read in one query (a list of drafts)."""
    found: dict[int, dict[int, Verdict]] = {visit_id: {} for visit_id in visit_ids}
    if found:
        for visit_id, check_id, verdict in db.session.execute(
                sa.select(RevisitVerdict.visit_id, RevisitVerdict.check_id, RevisitVerdict.verdict)
                .where(RevisitVerdict.visit_id.in_(found))):
            found[visit_id][check_id] = verdict
    return found


def save(visit: Visit, verdicts: Mapping[int, Verdict]) -> None:
    """Keep the verdicts on the visit's own points (others are ignored)."""
    if visit.assignment is None:  # only a re-visit's assignment has points to judge
        return
    ids = {check.id for check in checks_for(visit.assignment)}
    db.session.flush()  # a new visit gets its id
    db.session.execute(sa.delete(RevisitVerdict).where(RevisitVerdict.visit_id == visit.id))
    db.session.add_all(RevisitVerdict(visit_id=visit.id, check_id=check_id, verdict=verdict)
                       for check_id, verdict in verdicts.items() if check_id in ids)


def problems(visit: Visit, verdicts: Mapping[int, Verdict]) -> dict[str, str]:
    """Every point needs a verdict before the re-visit is submitted."""
    return {f"verify_{check.id}": _("Please answer this question.")
            for check in checks_for(visit.assignment) if check.id not in verdicts}
