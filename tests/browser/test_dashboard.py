"""The leaders' dashboard on a phone and on a desktop: charts load as images, nothing overflows."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Visit
from app.models.base import utcnow
from tests.browser.steps import sign_in
from tests.factories import approved, submitted

pytestmark = pytest.mark.browser


@pytest.fixture
def visited(seeded):
    with seeded.app_context():
        approved({"attitude_score": 2, "one_time_notice": "oral"}, wait=35, extra=["村委会证明"])
        submitted(wait=12, window="02", item=None)
        submitted({"help_desk_staffed": False}, wait=70, window="A01", hall="安远县政务服务中心", item=None,
                  inspector="inspector2")
        db.session.execute(sa.update(Visit).values(submitted_at=utcnow()))  # in the default period
        db.session.commit()
    return seeded


@pytest.mark.parametrize("size", [(390, 844), (1280, 800)], ids=["phone", "desktop"])
def test_dashboard_charts_load_and_fit(visited, live_server, browser, screenshot_dir, size) -> None:
    width, height = size
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN",
                                  timezone_id="Asia/Shanghai")
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    sign_in(page, live_server, "leader", "/dashboard/")
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name="红黑榜").is_visible()
    loaded = page.evaluate("""() => [...document.querySelectorAll('img.chart')]
        .map(i => [i.getAttribute('src'), i.complete && i.naturalWidth])""")
    assert len(loaded) == 4 and all(w and w > 0 for _src, w in loaded), loaded
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert problems == []
    assert all(url.startswith(live_server) for url in requests), "third-party request"
    page.screenshot(path=str(screenshot_dir / f"dashboard-{width}x{height}.png"), full_page=True)
    context.close()
