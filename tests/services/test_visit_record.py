"""A visit's full record (the review page) comes with its collections in their relationships'
order, loaded with one plain statement each; ``load_collections`` refuses what is not a
one-to-many collection."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.database import load_collections
from app.extensions import db
from app.models import Visit
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
