"""`flask demo-scale`: a realistic county of N visits that the app's pages can show."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models import Finding, FindingState, Issue, IssueState, Occurrence, Photo, Visit, VisitAnswer, VisitState
from tests.test_visit_views import client_for


def test_demo_scale_adds_visits_in_every_state_with_their_findings_and_issues(seeded) -> None:
    result = seeded.test_cli_runner().invoke(args=["demo-scale", "--visits", "600", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Added 600 visits")
    with seeded.app_context():
        count = lambda model: db.session.scalar(sa.select(sa.func.count()).select_from(model))  # noqa: E731
        assert count(Visit) == 600 and count(VisitAnswer) >= 600 * 15 and count(Photo) > 0
        assert set(db.session.scalars(sa.select(Visit.state).distinct())) == set(VisitState)
        assert count(Issue) >= 600 // 5 - 20 and set(db.session.scalars(sa.select(Issue.state).distinct())) >= {
            IssueState.CLOSED, IssueState.ASSIGNED}
        confirmed = db.session.scalar(sa.select(sa.func.count()).select_from(Finding)
                                      .where(Finding.state == FindingState.CONFIRMED))
        assert count(Occurrence) == confirmed  # every confirmed finding counts against one issue
        orphans = db.session.scalar(sa.select(sa.func.count()).select_from(Issue)
                                    .where(~Issue.occurrences.any()))
        assert orphans == 0
        one_open = db.session.execute(
            sa.select(Issue.window_id, Issue.category, sa.func.count()).where(Issue.state != IssueState.CLOSED)
            .group_by(Issue.window_id, Issue.category).having(sa.func.count() > 1)).all()
        assert one_open == []  # at most one open issue per window and category, as the app keeps it
        visit_id = db.session.scalar(sa.select(Visit.id).where(Visit.state == VisitState.APPROVED).limit(1))
        issue_id = db.session.scalar(sa.select(Issue.id).limit(1))
    leader = client_for(seeded, "leader")
    for url in ("/dashboard/", "/issues/all", f"/issues/{issue_id}", f"/dashboard/visits/{visit_id}"):
        assert leader.get(url).status_code == 200, url


def test_demo_scale_needs_the_demo_county(app) -> None:
    result = app.test_cli_runner().invoke(args=["demo-scale", "--visits", "10"])
    assert result.exit_code == 1 and "seed-demo" in result.output
