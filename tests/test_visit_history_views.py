"""A returned visit's history on the leader's review page: what the resubmission changed, and
who may see it (leaders only)."""

from __future__ import annotations

import re

import pytest

from tests.test_visit_views import COMPLETE, UUID, body, client_for, put, submit

COMMENT = "请核实首问负责情况"


def submit_ok(app, client, **answers) -> int:
    response = submit(client, body(app, answers={**COMPLETE, **answers}))
    assert response.status_code == 200, response.get_json()
    return response.get_json()["id"]


@pytest.fixture
def rounds(seeded):
    """inspector1 submits; the leader returns it; the inspector corrects two answers and resubmits."""
    inspector, leader = client_for(seeded, "inspector1"), client_for(seeded, "leader")
    visit_id = submit_ok(seeded, inspector)
    assert leader.post(f"/dashboard/visits/{visit_id}/return", data={"comment": COMMENT}).status_code == 302
    assert put(inspector, body(seeded, answers={**COMPLETE, "first_contact": "referred"})).status_code == 200
    assert submit_ok(seeded, inspector, first_contact="referred", attitude_score=2) == visit_id
    return {"inspector": inspector, "leader": leader, "visit_id": visit_id}


def changes_table(page: str) -> str:
    match = re.search(r'<table class="table cards-on-phone changes">.*?</table>', page, re.S)
    assert match, "no table of changes"
    return match.group(0)


def test_the_review_page_shows_the_original_and_the_revised_values(seeded, rounds) -> None:
    page = rounds["leader"].get(f"/dashboard/visits/{rounds['visit_id']}").get_data(as_text=True)
    assert "第2次提交" in page and "第1次提交" in page and COMMENT in page
    table = changes_table(page)
    rows = re.findall(r"<tr><td><strong>(.*?)</strong></td><td[^>]*><del>(.*?)</del></td><td[^>]*><ins>(.*?)</ins>",
                      table)
    assert rows == [("服务态度评分", "4", "2"), ("首位被询问的工作人员", "直接办理或解答", "准确引导到其他窗口")]
    assert 'data-label="第1次提交"' in table  # each value labelled when the table becomes cards on a phone
    # Unchanged questions are folded away, not in the table.
    assert "能通过标识找到办理本事项的窗口" not in table
    assert re.search(r"<summary>未改动（\d+）</summary>", page)


def test_while_returned_the_page_awaits_the_next_submission(seeded) -> None:
    inspector, leader = client_for(seeded, "inspector1"), client_for(seeded, "leader")
    visit_id = submit_ok(seeded, inspector)
    leader.post(f"/dashboard/visits/{visit_id}/return", data={"comment": COMMENT})
    put(inspector, body(seeded, answers={**COMPLETE, "first_contact": "referred"}))
    page = leader.get(f"/dashboard/visits/{visit_id}").get_data(as_text=True)
    assert "等待第2次提交" in page and COMMENT in page
    assert "cards-on-phone changes" not in page  # the draft in progress is not compared


def test_a_visit_never_returned_has_no_history(seeded) -> None:
    inspector, leader = client_for(seeded, "inspector1"), client_for(seeded, "leader")
    visit_id = submit_ok(seeded, inspector)
    page = leader.get(f"/dashboard/visits/{visit_id}").get_data(as_text=True)
    assert 'class="history"' not in page and "次提交" not in page
    assert leader.post(f"/dashboard/visits/{visit_id}/approve").status_code == 302
    page = leader.get(f"/dashboard/visits/{visit_id}").get_data(as_text=True)
    assert 'class="history"' not in page and "次提交" not in page


def test_only_leaders_see_the_history(seeded, rounds) -> None:
    path = f"/dashboard/visits/{rounds['visit_id']}"
    for username in ("inspector1", "inspector2", "unit-market", "admin"):
        assert client_for(seeded, username).get(path).status_code == 403, username
    # The inspector's own record shows the visit as it is now, not the earlier submission.
    own = rounds["inspector"].get(f"/visits/v/{UUID}/view").get_data(as_text=True)
    assert "准确引导到其他窗口" in own and "直接办理或解答" not in own and "第1次提交" not in own
    assert client_for(seeded, "inspector2").get(f"/visits/v/{UUID}/view").status_code == 404
