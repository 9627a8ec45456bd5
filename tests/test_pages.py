"""Home pages, health check, languages, error pages and the route policy sweep."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.auth.access import POLICY_ATTR
from app.extensions import db
from app.models import User
from tests.conftest import PASSWORD, csrf_token


def login(auth, username: str) -> None:
    assert auth.login(username, PASSWORD).status_code == 302


def test_admin_home(seeded, auth, client) -> None:
    login(auth, "admin")
    html = client.get("/admin/").get_data(as_text=True)
    assert "系统管理" in html
    assert "market" in html and "县市场监督管理局" in html
    assert "没有被锁定的账号" in html


def test_admin_home_lists_locked_accounts(seeded, auth, client) -> None:
    for _ in range(5):
        client.post("/login", data={"username": "inspector2", "password": "wrong"})
    login(auth, "admin")
    html = client.get("/admin/").get_data(as_text=True)
    assert "inspector2" in html and "锁定至" in html


def test_leader_home_shows_halls(seeded, auth, client) -> None:
    login(auth, "leader")
    html = client.get("/dashboard/").get_data(as_text=True)
    assert "工作台" in html
    assert "安远县产城新区云服务大厅" in html  # in the halls' table beside their chart
    assert "红黑榜" in html and "指标口径" in html


def test_inspector_home(seeded, auth, client) -> None:
    login(auth, "inspector1")
    html = client.get("/visits/").get_data(as_text=True)
    assert "我的暗访" in html and "暗访任务" in html and "草稿" in html
    assert "县人力资源和社会保障局" in html  # the home unit


def test_unit_home_shows_only_its_unit(seeded, auth, client) -> None:
    login(auth, "unit-water")
    html = client.get("/issues/").get_data(as_text=True)
    assert "本单位问题" in html and "县供水有限公司" in html
    assert "县燃气有限公司" not in html


@pytest.mark.parametrize(
    ("username", "forbidden"),
    [("inspector1", ["/admin/", "/dashboard/", "/issues/"]),
     ("unit-market", ["/admin/", "/dashboard/", "/visits/"]),
     ("leader", ["/admin/", "/visits/", "/issues/"]),
     ("admin", ["/dashboard/", "/visits/", "/issues/"])],
)
def test_other_roles_home_pages_are_forbidden(seeded, auth, client, username, forbidden) -> None:
    login(auth, username)
    for path in forbidden:
        response = client.get(path)
        assert response.status_code == 403, path
        assert "无权访问" in response.get_data(as_text=True)


def test_every_demo_account_logs_in_and_lands_home(seeded, auth, client) -> None:
    from app.services.demo import ACCOUNTS

    for username, *_ in ACCOUNTS:
        assert auth.login(username).status_code == 302
        home = client.get("/")
        assert client.get(home.location).status_code == 200, username
        auth.logout()


def test_signed_in_pages_are_not_cached(seeded, auth, client) -> None:
    login(auth, "leader")
    assert client.get("/dashboard/").headers["Cache-Control"] == "no-store"


def test_healthz_ok(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_healthz_503_when_the_database_is_unreachable(tmp_path) -> None:
    from app import create_app
    from tests.conftest import config_for

    broken = create_app(config_for(f"sqlite:///{tmp_path}/missing-dir/x.sqlite3"),
                        instance_path=tmp_path / "i", environ={})
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] != "ok"


def test_chinese_by_default_and_accept_language_ignored(client) -> None:
    html = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="zh-Hans">' in html
    assert "用户名" in html


def test_language_cookie_before_login(client) -> None:
    response = client.post("/language", data={"lang": "en", "next": "/login"})
    assert response.status_code == 302 and response.location == "/login"
    assert client.get_cookie("lang").value == "en"
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in html and "User name" in html and "Log in" in html
    client.post("/language", data={"lang": "zh_Hans"})
    assert "用户名" in client.get("/login").get_data(as_text=True)


def test_unknown_language_is_ignored(client) -> None:
    client.post("/language", data={"lang": "fr", "next": "https://evil.example/"})
    assert client.get_cookie("lang") is None
    assert "用户名" in client.get("/login").get_data(as_text=True)


def test_language_saved_on_the_user(app, seeded, auth, client) -> None:
    login(auth, "leader")
    client.post("/language", data={"lang": "en", "next": "/dashboard/"})
    with app.app_context():
        assert db.session.scalar(sa.select(User.locale).where(User.username == "leader")) == "en"
    other = app.test_client()  # another browser, no cookie: the saved choice follows the user
    from tests.conftest import AuthActions

    AuthActions(other).login("leader")
    assert "Dashboard" in other.get("/dashboard/").get_data(as_text=True)


def test_error_pages_in_the_users_language(client) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404 and "页面不存在" in response.get_data(as_text=True)
    client.post("/language", data={"lang": "en"})
    assert "Not found" in client.get("/no-such-page").get_data(as_text=True)


def test_500_page_rolls_back_and_is_translated(app) -> None:
    @app.route("/boom")
    def boom():  # pragma: no cover - the route exists only in this test
        raise RuntimeError("boom")

    setattr(boom, POLICY_ATTR, "public")
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "系统出错了" in response.get_data(as_text=True)


def test_413_for_oversized_bodies(app) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = app.test_client().post("/login", data={"username": "x" * 4096, "password": "y"})
    assert response.status_code == 413


def test_every_route_declares_an_access_policy(app) -> None:
    """A view without ``@public``, ``@login_required_any`` or ``@roles_required`` fails here."""
    missing = [
        rule.endpoint for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        and not hasattr(app.view_functions[rule.endpoint], POLICY_ATTR)
    ]
    assert missing == []


def test_non_public_routes_send_anonymous_users_to_login(app) -> None:
    client = app.test_client()
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if rule.endpoint == "static" or getattr(view, POLICY_ATTR) == "public":
            continue
        if rule.arguments:  # fill path arguments with harmless values
            path = rule.build({a: ("00000000-0000-0000-0000-000000000000" if "uuid" in a else 1)
                               for a in rule.arguments}, append_unknown=False)[1]
        else:
            path = rule.rule
        method = next(m for m in ("GET", "POST", "PUT", "DELETE") if m in rule.methods)
        response = client.open(path, method=method)
        if "/api/" in rule.rule:  # the phone's JSON API answers 401 so the page can act on it
            assert response.status_code == 401 and response.is_json, rule.rule
            continue
        assert response.status_code == 302, rule.rule
        assert response.location.startswith("/login"), rule.rule


def test_base_layout_is_mobile_ready(client) -> None:
    html = client.get("/login").get_data(as_text=True)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "http://" not in html and "https://" not in html  # no third-party requests
    assert "style=" not in html  # the CSP has no 'unsafe-inline'
    css = client.get("/static/css/ruwo.css").get_data(as_text=True)
    assert "--tap:44px" in css  # (sent minified)
    assert "@import" not in css and "url(http" not in css


def test_csrf_token_present_on_language_and_logout_forms(seeded, auth, client) -> None:
    login(auth, "leader")
    assert csrf_token(client.get("/dashboard/").get_data(as_text=True))
