"""The dashboard page and its chart images: filters from the address, bad values, SVG answers."""

from __future__ import annotations

from datetime import timedelta
from xml.etree import ElementTree

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Hall, Unit, Visit
from app.models.base import utcnow
from app.services.calendar import china_today
from tests.factories import submitted
from tests.test_visit_views import client_for

SVG = "{http://www.w3.org/2000/svg}"
CHARTS = ("trend", "categories", "waits", "halls")


@pytest.fixture
def leader(seeded):
    with seeded.app_context():
        submitted({"attitude_score": 2}, wait=35)
        submitted(wait=12, window="02", item=None)
        db.session.execute(sa.update(Visit).values(submitted_at=utcnow()))  # today, in the default period
        db.session.commit()
    return client_for(seeded, "leader")


def ids(seeded) -> dict[str, int]:
    with seeded.app_context():
        return {"market": db.session.scalar(sa.select(Unit.id).where(Unit.code == "market")),
                "hall": db.session.scalar(sa.select(Hall.id).where(Hall.name == "安远县政务服务中心"))}


def page(client, query: str = "") -> str:
    response = client.get(f"/dashboard/{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def chart(client, name: str, query: str = "") -> ElementTree.Element:
    response = client.get(f"/dashboard/charts/{name}.svg{query}")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert "style-src 'unsafe-inline'" in response.headers["Content-Security-Policy"]
    assert "script" not in response.headers["Content-Security-Policy"].replace("default-src 'none'", "")
    root = ElementTree.fromstring(response.get_data())
    assert root.tag == f"{SVG}svg" and root.find(f".//{SVG}script") is None
    return root


def texts(root: ElementTree.Element) -> list[str]:
    return ["".join(e.itertext()).strip() for e in root.iter() if e.text]


def test_default_period_is_the_last_30_days_in_china(leader) -> None:
    today = china_today()
    html = page(leader)
    assert f'name="from" value="{today - timedelta(days=29)}"' in html and f'name="to" value="{today}"' in html
    assert ">2</strong>" in html


def test_filters_change_the_figures(leader, seeded) -> None:
    known = ids(seeded)
    assert ">2</strong>" in page(leader)
    assert ">1</strong>" in page(leader, f"?unit={known['market']}")
    assert ">0</strong>" in page(leader, f"?hall={known['hall']}")
    assert ">0</strong>" in page(leader, "?from=2026-01-01&to=2026-01-31")
    today = china_today()
    html = page(leader, f"?from={today}&to={today}")
    assert f'name="from" value="{today}"' in html and ">2</strong>" in html


@pytest.mark.parametrize("query", [
    "?from=2026-13-01", "?from=x&to=y", "?from=2026-09-30&to=2026-09-01", "?from=1900-01-01&to=2099-09-28",
    "?campaign=99999999999999999999", "?campaign=-1", "?hall=abc", "?unit=999999", "?from=２０２６-09-01", "?to=" + "9" * 5000,
])
def test_bad_filter_values_fall_back(leader, query: str) -> None:
    html = page(leader, query)
    assert ">2</strong>" in html
    for name in CHARTS:
        chart(leader, name, query)


def test_charts_carry_the_filtered_data(leader, seeded) -> None:
    waits = texts(chart(leader, "waits"))
    assert "30–44" in waits and "10–19" in waits
    year, week, _day = china_today().isocalendar()
    assert f"{year}-W{week:02d}" in texts(chart(leader, "trend"))
    assert "服务态度" in texts(chart(leader, "categories"))
    # One point per hall, numbered as in the page's table: 政务服务中心 alone when it is chosen.
    points = [e.text for e in chart(leader, "halls", f"?hall={ids(seeded)['hall']}").iter(f"{SVG}desc")
              if e.get("class") == "value"]
    assert points == ["115.4074: 25.1378"]
    assert len([e for e in chart(leader, "halls").iter(f"{SVG}desc") if e.get("class") == "value"]) == 5


def test_page_links_the_charts_with_its_filter(leader, seeded) -> None:
    html = page(leader, f"?unit={ids(seeded)['market']}&from=2026-09-01&to=2026-09-28")
    for name in CHARTS:
        assert f"/dashboard/charts/{name}.svg?from=2026-09-01&amp;to=2026-09-28&amp;unit={ids(seeded)['market']}" in html
    assert ">0</strong>" in html


def test_unknown_chart_and_other_roles(leader, seeded) -> None:
    assert leader.get("/dashboard/charts/nope.svg").status_code == 404
    inspector = client_for(seeded, "inspector1")
    assert inspector.get("/dashboard/charts/waits.svg").status_code in (302, 403)


def test_the_dashboards_figures_are_computed_once_a_minute_per_filter(seeded, deployed_cache, monkeypatch) -> None:
    """With the deployed cache (not the tests' NullCache) a second look within the minute reuses
    the figures, and says as of when they are; the to-do list above them stays fresh."""
    from app.services import metrics

    calls = []
    real = metrics.dashboard
    monkeypatch.setattr(metrics, "dashboard", lambda *a: (calls.append(a), real(*a))[1])
    leader = client_for(seeded, "leader")
    first = leader.get("/dashboard/").get_data(as_text=True)
    second = leader.get("/dashboard/").get_data(as_text=True)
    assert len(calls) == 1 and "数据截至" in first
    as_of = first[first.index("数据截至"):][:12]
    assert as_of in second
    leader.get("/dashboard/?from=2026-10-01&to=2026-10-31")
    assert len(calls) == 2  # another filter, other figures
    # The figures are kept rendered per language: English gets English words around them.
    leader.post("/language", data={"lang": "en"})
    english = leader.get("/dashboard/").get_data(as_text=True)
    assert "Figures as of" in english and "数据截至" not in english and "Overview" in english
