"""No page reads more statements as the county grows: what a list or a document shows of each
row is read for all the rows at once, never row by row (an N+1 shows up here, with demo-sized
data, long before a county notices it).

Every GET route of every role (``tests/routes.py``: pages, documents and exports alike) is
opened once to warm up, then its statements are counted; the county then gets more of
everything a page lists — approved visits with their issues, visits awaiting review, drafts, a
campaign — and every route is counted again."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from tests.factories import approved, make_visit, started_campaign, submitted
from tests.routes import ROLES, county, pages
from tests.test_visit_views import client_for


def test_no_route_reads_more_statements_as_the_county_grows(seeded) -> None:
    objects = county(seeded)
    clients = {role: client_for(seeded, username) for role, (username, _home) in ROLES.items()}
    seen: list[str] = []
    with seeded.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", lambda conn, cursor, statement, *a: seen.append(statement))

    def counted() -> dict[str, int]:
        found = {}
        for role, client in clients.items():
            for _name, path in pages(seeded, role, objects):
                if client.get(path).status_code != 200:  # warm: cached figures, document numbers
                    continue
                seen.clear()
                assert client.get(path).status_code == 200, path
                found[f"{role.value} {path}"] = len(seen)
        return found

    before = counted()
    with seeded.app_context():
        approved({"one_time_notice": "none"}, wait=40)
        approved({"attitude_score": 2, "one_time_notice": "oral"}, wait=20, extra=["村委会证明"])
        approved({"stated_days": 2, "trips_required": 3}, wait=52)
        for wait in (15, 25):
            submitted({"attitude_score": 3}, wait=wait)
            make_visit({"attitude_score": 4}, wait=wait)
        started_campaign(("inspector1", "inspector2"))
        db.session.commit()
    after = counted()
    assert len(before) > 60 and before.keys() == after.keys()
    grew = {route: (before[route], after[route]) for route in before if after[route] != before[route]}
    assert grew == {}, grew
