"""The checklist's questions are rendered once per template version, matter (with its guide's
materials) and language, and kept: what a phone is shown stays right when any of them change."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.extensions import cache, db
from app.models import RequiredMaterial
from tests.test_visit_views import UUID, body, client_for, put

_TOKEN = re.compile(r'(name="csrf_token" value=|name="csrf-token" content=)"[^"]*"')


def page(client) -> str:
    """The checklist page without its CSRF tokens, which are signed anew each second."""
    return _TOKEN.sub(r"\1", client.get(f"/visits/v/{UUID}/checklist").get_data(as_text=True))


@pytest.fixture
def app(app_factory):
    """As deployed: a real cache (the tests' default is none)."""
    return app_factory(CACHE_TYPE="SimpleCache")


def test_questions_are_kept_and_follow_the_guide_and_the_language(seeded) -> None:
    inspector = client_for(seeded, "inspector1")
    assert put(inspector, body(seeded)).status_code == 200
    first = page(inspector)
    assert "公司章程" in first and "19. 哪些事情没办到、没办好" in first
    with seeded.app_context():
        assert any(key.startswith("questions:") for key in cache.cache._cache)  # kept
    assert page(inspector) == first

    with seeded.app_context():  # the guide changes: the next page shows it
        material = db.session.scalars(sa.select(RequiredMaterial).where(RequiredMaterial.name == "公司章程")).one()
        material.name = "公司章程（2026年修订版）"
        db.session.commit()
    assert "公司章程（2026年修订版）" in inspector.get(f"/visits/v/{UUID}/checklist").get_data(as_text=True)

    inspector.post("/language", data={"lang": "en"})
    english = inspector.get(f"/visits/v/{UUID}/checklist").get_data(as_text=True)
    assert "19. What was not done, or not done well" in english
    assert "19. 哪些事情没办到、没办好" not in english
