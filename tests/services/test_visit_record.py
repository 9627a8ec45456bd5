"""Visits loaded with plain statements: the full record (the review page) comes with its
collections in their relationships' order, one statement each; ``find`` adopts the row into the
session as a query would — the instance already there, its expired attributes filled in."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.database import load_collections, row_columns
from app.extensions import db
from app.models import SurveyVersion, User, Visit
from app.services import issues, visits
from tests.factories import BASE, submitted, user


@pytest.fixture
def county(seeded, db):
    return seeded


def test_record_holds_answers_materials_photos_and_submissions_as_lazy_loads_would(county) -> None:
    visit = submitted({"attitude_score": 2}, extra=["房东户口本", "社保证明"], wait=30)
    issues.return_visit(visit, user("leader"), "请核实", now=None)
    db.session.commit()
    visit_id = visit.id
    db.session.expunge_all()

    seen: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    loaded = visits.record(visit_id)
    assert len(seen) == 5  # the visit with its places, then one statement a collection
    assert {"answers", "materials", "photos", "revisions"} <= loaded.__dict__.keys()
    record = ({a.question_key: a.value for a in loaded.answers}, [m.name for m in loaded.materials],
              loaded.photos, [r.number for r in loaded.revisions])
    assert len(seen) == 5  # nothing left to load lazily
    sa.event.remove(db.engine, "before_cursor_execute", count)

    db.session.expunge_all()
    lazily = db.session.get(Visit, visit_id)
    assert record == ({a.question_key: a.value for a in lazily.answers}, [m.name for m in lazily.materials],
                      lazily.photos, [r.number for r in lazily.revisions])
    assert record[0] == {**BASE, "attitude_score": 2} and record[3] == [1]
    assert [m for m in record[1] if m in ("房东户口本", "社保证明")] == ["房东户口本", "社保证明"]


def test_loaded_collections_are_not_read_again(county) -> None:
    visit = submitted()
    db.session.commit()
    answers = visit.answers
    load_collections(visit, "answers")
    assert visit.answers is answers


def test_only_one_to_many_collections(county) -> None:
    visit = submitted()
    db.session.commit()
    db.session.expire(visit, ["window"])
    with pytest.raises(ValueError, match="not a one-to-many"):
        load_collections(visit, "window")


def _counting():
    seen: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    return seen, lambda: sa.event.remove(db.engine, "before_cursor_execute", count)


def test_find_gives_the_instance_in_the_session_filled_in_from_its_row(county) -> None:
    visit = submitted()
    uuid, state, inspector = visit.uuid, visit.state, user("inspector1")
    db.session.commit()  # every attribute expired
    inspector.id  # noqa: B018 - read again before counting
    seen, stop = _counting()
    try:
        found = visits.find(uuid, inspector)
        assert found is visit and len(seen) == 1
        assert (found.state, found.uuid, found.survey_version.key) == (state, uuid, "window-visit")
        assert len(seen) == 1  # nothing refreshed or loaded lazily
    finally:
        stop()


def test_find_loads_a_visit_with_its_version_and_nobody_elses(county) -> None:
    visit = submitted()
    db.session.commit()
    uuid, version_id = visit.uuid, visit.survey_version_id
    db.session.expunge_all()
    assert visits.find(uuid, user("inspector2")) is None
    found = visits.find(uuid, user("inspector1"))
    assert found.uuid == uuid and found.survey_version.id == version_id
    assert found in db.session and not db.session.dirty
    assert found is db.session.get(Visit, found.id)
    assert found.survey_version.definition["key"] == "window-visit"  # deferred, loads on use
    found.return_comment = "changed"
    assert found in db.session.dirty


def test_row_columns_are_the_loaded_columns_key_first() -> None:
    assert row_columns(User)[0] == ("id", "id") and "unread_notifications" not in dict(row_columns(User))
    version = dict(row_columns(SurveyVersion, "v__"))
    assert version["id"] == "v__id" and "definition" not in version  # deferred
