"""The figures a submit keeps on the visit, and the migration that backfills older visits."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Visit
from app.services.visits import figures
from tests.factories import make_visit, submitted

MIGRATION = Path(__file__).resolve().parents[2] / "migrations/versions/8ecc506eed34_per_visit_figures_for_the_dashboard.py"


@pytest.fixture
def county(seeded, db):
    return seeded


def test_submit_keeps_wait_trips_and_attitude(county) -> None:
    visit = submitted({"attitude_score": 2, "trips_required": 3}, wait=47)
    assert (visit.wait_min, visit.trips, visit.attitude) == (47, 3, 2)
    assert submitted(wait=None).wait_min is None


def test_a_draft_keeps_none(county) -> None:
    visit = make_visit({"attitude_score": 5}, wait=10)
    assert (visit.wait_min, visit.trips, visit.attitude) == (None, None, None)


@pytest.mark.parametrize(("value", "expected"), [(3, 3), (3.0, 3), (2.5, None), (True, None), ("3", None), (None, None)])
def test_whole_number(value: object, expected: int | None) -> None:
    assert figures.whole_number(value) == expected


def test_the_migration_backfills_submitted_visits(county) -> None:
    done = submitted({"attitude_score": 1, "trips_required": 2}, wait=12)
    draft = make_visit(wait=5)
    db.session.execute(sa.update(Visit).values(wait_min=None, trips=None, attitude=None))
    spec = importlib.util.spec_from_file_location("figures_migration", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.backfill(db.session.connection())
    db.session.expire_all()
    assert (done.wait_min, done.trips, done.attitude) == (12, 2, 1)
    assert (draft.wait_min, draft.trips, draft.attitude) == (None, None, None)
