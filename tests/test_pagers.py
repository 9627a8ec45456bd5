"""Every paged list, with more than one page: page links keep the filters, and page numbers
that are 0, negative, not numbers, past the end or beyond 64 bits still show a page."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Hall, HallKind, Role, ServiceItem, Unit, User
from app.services import accounts, audit


def many_users(n: int) -> None:
    for i in range(n):
        db.session.add(User(username=f"zz-pager-{i:03d}", role=Role.LEADER, password_hash="x"))


def many_audit_rows(n: int) -> None:
    for i in range(n):
        audit.record("pager.test", actor_name=f"zz-pager-{i:03d}", detail=str(i))


def many_units(n: int) -> None:
    for i in range(n):
        db.session.add(Unit(code=f"zz-pager-{i:03d}", name=f"分页单位{i:03d}"))


def many_halls(n: int) -> None:
    for i in range(n):
        db.session.add(Hall(name=f"分页大厅{i:03d}", kind=HallKind.TOWNSHIP))


def many_items(n: int) -> None:
    unit = accounts.find_unit("market")
    for i in range(n):
        db.session.add(ServiceItem(code=f"zz-pager-{i:03d}", name=f"分页事项{i:03d}", unit=unit,
                                   promised_days=Decimal(1)))


# (list address, how to fill it beyond one page, the filter the page links must keep)
LISTS = [
    ("/admin/users/", many_users, "q=zz-pager"),
    ("/admin/audit/", many_audit_rows, "action=pager"),
    ("/catalogue/units/", many_units, "q=zz-pager"),
    ("/catalogue/halls/", many_halls, "q=%E5%88%86%E9%A1%B5"),
    ("/catalogue/items/", many_items, "q=zz-pager"),
]
PAGE_RE = re.compile(r"第 (\d+) 页，共 (\d+) 页")


@pytest.fixture
def admin(seeded, auth, client):
    assert auth.login("admin").status_code == 302
    return client


def shown_page(response) -> tuple[int, int]:
    assert response.status_code == 200
    match = PAGE_RE.search(response.get_data(as_text=True))
    assert match, "no pager on the page"
    return int(match.group(1)), int(match.group(2))


@pytest.mark.parametrize(("path", "fill", "kept"), LISTS, ids=[item[0] for item in LISTS])
def test_paged_list(seeded, admin, path, fill, kept) -> None:
    with seeded.app_context():
        fill(130)
        db.session.commit()
    first = admin.get(f"{path}?{kept}")
    number, pages = shown_page(first)
    assert number == 1 and pages >= 2
    next_link = re.search(r'href="([^"]+)">下一页<', first.get_data(as_text=True)).group(1)
    assert kept in next_link.replace("&amp;", "&") and "page=2" in next_link
    second = admin.get(next_link.replace("&amp;", "&"))
    assert shown_page(second) == (2, pages)
    assert second.get_data(as_text=True) != first.get_data(as_text=True)
    assert "上一页" in second.get_data(as_text=True)
    for odd in ("0", "-3", "abc", "1.5", ""):
        assert shown_page(admin.get(f"{path}?{kept}&page={odd}")) == (1, pages), odd
    for past in ("999", "99999999999999999999", str(2**63)):
        assert shown_page(admin.get(f"{path}?{kept}&page={past}")) == (pages, pages), past


def test_a_list_longer_than_the_count_cap_says_more_than_and_still_pages(seeded, admin) -> None:
    from app.args import COUNT_CAP
    from app.models import AuditLog

    with seeded.app_context():
        db.session.execute(sa.insert(AuditLog), [{"action": "pager.cap", "actor_name": f"r{i}", "detail": str(i),
                                                  "result": "ok", "object_type": "", "object_id": ""}
                                                 for i in range(COUNT_CAP + 250)])
        db.session.commit()
    first = admin.get("/admin/audit/?action=pager.cap").get_data(as_text=True)
    assert f"第 1 页（共 {COUNT_CAP} 条以上）" in first and ">下一页<" in first
    last = admin.get("/admin/audit/?action=pager.cap&page=99999").get_data(as_text=True)
    assert ">下一页<" not in last and "上一页" in last  # past the end: the last page, found by an exact count
    assert re.search(r"第 (\d+) 页", last).group(1) == str(-(-(COUNT_CAP + 250) // 100))
