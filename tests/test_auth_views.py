"""Login, logout, lockout, timeouts, revocation, password change, CSRF (SECURITY.md §6.1-6.8)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from freezegun import freeze_time

from app.extensions import db
from app.models import AuditLog, Role, User
from tests.conftest import PASSWORD, AuthActions, csrf_token

COOKIE = "ruwo_session"


def test_login_page_has_the_contract_fields(client) -> None:
    page = client.get("/login")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for name in ('name="username"', 'name="password"', 'name="csrf_token"'):
        assert name in html
    assert "登录" in html


def test_failed_login_answers_200_with_a_message(client, make_user) -> None:
    make_user("zhang")
    page = client.post("/login", data={"username": "zhang", "password": "wrong"})
    assert page.status_code == 200
    assert "用户名或密码错误" in page.get_data(as_text=True)
    assert client.get("/", follow_redirects=False).status_code == 302


def test_empty_login_form_shows_field_messages(client) -> None:
    page = client.post("/login", data={"username": "", "password": ""})
    html = page.get_data(as_text=True)
    assert page.status_code == 422  # refused: the form again, with why
    assert "请输入用户名" in html and "请输入密码" in html


def test_successful_login_redirects_to_root(auth, make_user) -> None:
    make_user("zhang")
    response = auth.login("zhang")
    assert response.status_code == 302
    assert response.location == "/"


@pytest.mark.parametrize(
    ("role", "home"),
    [(Role.ADMIN, "/admin/"), (Role.LEADER, "/dashboard/"), (Role.INSPECTOR, "/visits/"),
     (Role.UNIT, "/issues/")],
)
def test_root_sends_each_role_home(auth, client, make_user, role, home) -> None:
    make_user("someone", role=role, unit_code="market" if role.needs_unit else None)
    auth.login("someone")
    response = client.get("/")
    assert response.status_code == 302
    assert response.location == home
    assert client.get(home).status_code == 200


def test_anonymous_root_goes_to_login(client) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response.location.startswith("/login?next=")


@pytest.mark.parametrize(
    ("next_value", "expected"),
    [("/visits/", "/visits/"), ("/dashboard/?x=1", "/dashboard/?x=1"),
     ("https://evil.example/", "/"), ("//evil.example/x", "/"), ("/\\evil.example", "/"),
     ("javascript:alert(1)", "/"), ("dashboard", "/")],
)
def test_next_only_to_local_paths(auth, make_user, next_value, expected) -> None:
    make_user("zhang")
    response = auth.login("zhang", next=next_value)
    assert response.location == expected


def test_logout_needs_post_and_revokes_the_old_cookie(auth, client, make_user) -> None:
    make_user("zhang")
    auth.login("zhang")
    assert client.get("/dashboard/").status_code == 200
    captured = client.get_cookie(COOKIE).value
    assert client.get("/logout").status_code == 405
    response = auth.logout()
    assert response.status_code == 302 and response.location == "/login"
    client.set_cookie(COOKIE, captured)
    assert client.get("/dashboard/").status_code == 302


def test_no_remember_cookie_and_session_flags(auth, client, make_user) -> None:
    make_user("zhang")
    response = auth.login("zhang")
    cookies = response.headers.getlist("Set-Cookie")
    assert not any(c.startswith("remember_token") for c in cookies)
    session_cookie = next(c for c in cookies if c.startswith(COOKIE + "="))
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie
    assert "Expires=" in session_cookie  # permanent, so that the idle timeout slides


def test_lockout_through_the_form(client, make_user, app) -> None:
    make_user("zhang")
    with freeze_time("2026-11-25 02:00:00") as frozen:
        for _ in range(5):
            client.post("/login", data={"username": "zhang", "password": "wrong"})
        frozen.tick(timedelta(minutes=29))
        page = client.post("/login", data={"username": "zhang", "password": PASSWORD})
        assert page.status_code == 200
        assert "已被锁定" in page.get_data(as_text=True)
        frozen.tick(timedelta(minutes=2))
        assert client.post("/login", data={"username": "zhang", "password": PASSWORD}).status_code == 302
    with app.app_context():
        rows = db.session.scalars(sa.select(AuditLog.action)).all()
    assert "account.lock" in rows


def test_idle_timeout_is_thirty_minutes(auth, client, make_user) -> None:
    make_user("zhang")
    with freeze_time("2026-11-25 02:00:00") as frozen:
        auth.login("zhang")
        frozen.tick(timedelta(minutes=29))
        assert client.get("/dashboard/").status_code == 200  # slides the session
        frozen.tick(timedelta(minutes=29))
        assert client.get("/dashboard/").status_code == 200
        frozen.tick(timedelta(minutes=31))
        response = client.get("/dashboard/")
        assert response.status_code == 302 and response.location.startswith("/login")


def test_an_unchanged_session_is_signed_again_at_most_once_a_minute(auth, client, make_user) -> None:
    make_user("zhang")
    with freeze_time("2026-11-25 02:00:00") as frozen:
        auth.login("zhang")
        client.get("/dashboard/")  # its forms' CSRF token goes into the session: a change, sent
        frozen.tick(timedelta(seconds=30))
        assert "Set-Cookie" not in client.get("/dashboard/").headers  # signed 30 s ago: left alone
        frozen.tick(timedelta(seconds=40))
        refreshed = client.get("/dashboard/").headers.get("Set-Cookie", "")
        assert "session=" in refreshed and "Expires=Wed, 25 Nov 2026 02:31:10 GMT" in refreshed  # slid
        frozen.tick(timedelta(minutes=29, seconds=50))  # 29 min 50 s after the last signing
        assert client.get("/dashboard/").status_code == 200


def test_absolute_timeout_twelve_hours(auth, client, make_user) -> None:
    make_user("zhang")
    with freeze_time("2026-11-25 00:00:00") as frozen:
        auth.login("zhang")
        for _ in range(71):  # active every 10 minutes up to 11 h 50 min
            frozen.tick(timedelta(minutes=10))
            assert client.get("/dashboard/").status_code == 200
        frozen.tick(timedelta(minutes=10))  # 12 h after login
        response = client.get("/dashboard/")
        assert response.status_code == 302
        assert response.location.startswith("/login")
        assert client.get("/dashboard/").status_code == 302


def test_password_change_revokes_other_sessions(app, make_user) -> None:
    make_user("zhang")
    phone, desk = app.test_client(), app.test_client()
    AuthActions(phone).login("zhang")
    AuthActions(desk).login("zhang")
    response = desk.post("/account/password", data={
        "current_password": PASSWORD, "password": "New-pass-2026x", "confirm": "New-pass-2026x"})
    assert response.status_code == 302
    assert desk.get("/dashboard/").status_code == 200  # this session continues
    assert phone.get("/dashboard/").status_code == 302  # the other one is revoked
    assert AuthActions(phone).login("zhang", "New-pass-2026x").status_code == 302


def test_password_change_form_messages(auth, client, make_user) -> None:
    make_user("zhang")
    auth.login("zhang")
    page = client.post("/account/password", data={
        "current_password": "wrong", "password": "New-pass-2026x", "confirm": "New-pass-2026x"})
    assert "当前密码不正确" in page.get_data(as_text=True)
    page = client.post("/account/password", data={
        "current_password": PASSWORD, "password": "abc", "confirm": "abc"})
    assert "至少 8 个字符" in page.get_data(as_text=True)
    page = client.post("/account/password", data={
        "current_password": PASSWORD, "password": "New-pass-2026x", "confirm": "Other-2026x"})
    assert "两次输入的新密码不一致" in page.get_data(as_text=True)


def test_first_login_must_change_password(app, auth, client, make_user) -> None:
    make_user("zhang", must_change=True)
    assert auth.login("zhang").location == "/"
    response = client.get("/", follow_redirects=False)
    assert response.location == "/account/password"
    assert client.get("/dashboard/").location == "/account/password"
    assert "请先设置您自己的密码" in client.get("/account/password").get_data(as_text=True)
    client.post("/account/password", data={
        "current_password": PASSWORD, "password": "Mine-2026-pass", "confirm": "Mine-2026-pass"})
    assert client.get("/dashboard/").status_code == 200
    with app.app_context():
        assert not db.session.scalar(sa.select(User).where(User.username == "zhang")).must_change_password


def test_deactivated_user_is_logged_out(app, auth, client, make_user) -> None:
    make_user("zhang")
    auth.login("zhang")
    with app.app_context():
        db.session.scalar(sa.select(User).where(User.username == "zhang")).active = False
        db.session.commit()
    assert client.get("/dashboard/").status_code == 302


def test_account_page(auth, client, make_user) -> None:
    make_user("wang", role=Role.UNIT, unit_code="market")
    auth.login("wang")
    html = client.get("/account").get_data(as_text=True)
    assert "wang" in html and "责任单位" in html and "Unit market" in html


@pytest.fixture
def csrf_app(app_factory):
    return app_factory(WTF_CSRF_ENABLED=True)


@pytest.mark.parametrize("path", ["/login", "/logout", "/language", "/account/password"])
def test_state_changing_requests_need_a_csrf_token(csrf_app, path, caplog) -> None:
    response = csrf_app.test_client().post(path, data={"username": "x", "password": "y", "lang": "en"})
    assert response.status_code == 400
    assert "表单已过期" in response.get_data(as_text=True)
    # The log says why, for whoever looks into a refused form.
    assert f"CSRF refusal on POST {path}: The CSRF token is missing." in caplog.text


def test_login_with_csrf_token_works(csrf_app) -> None:
    from app.services import accounts
    from app.services.accounts import hasher_from_config

    with csrf_app.app_context():
        accounts.create_user(accounts.NewUser("zhang", Role.LEADER, PASSWORD, must_change_password=False),
                             hasher_from_config(csrf_app.config))
        db.session.commit()
    client = csrf_app.test_client()
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": "zhang", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302


def test_https_form_posts_need_a_same_origin_referer(csrf_app) -> None:
    """Over HTTPS Flask-WTF also checks the Referer: the app's Referrer-Policy must let it through."""
    from app.services import accounts
    from app.services.accounts import hasher_from_config

    with csrf_app.app_context():
        accounts.create_user(accounts.NewUser("zhang", Role.LEADER, PASSWORD, must_change_password=False),
                             hasher_from_config(csrf_app.config))
        db.session.commit()
    base = "https://ruwo.example.gov.cn"
    client = csrf_app.test_client()
    page = client.get("/login", base_url=base)
    assert page.headers["Referrer-Policy"] == "same-origin"
    data = {"username": "zhang", "password": PASSWORD, "csrf_token": csrf_token(page.get_data(as_text=True))}
    no_referer = client.post("/login", data=data, base_url=base)
    assert no_referer.status_code == 400 and "表单已过期" in no_referer.get_data(as_text=True)
    other_site = client.post("/login", data=data, base_url=base, headers={"Referer": "https://evil.example/"})
    assert other_site.status_code == 400
    same_site = client.post("/login", data=data, base_url=base, headers={"Referer": base + "/login"})
    assert same_site.status_code == 302


def test_login_attempts_are_rate_limited(app_factory) -> None:
    from app.extensions import limiter

    app = app_factory(RATELIMIT_ENABLED=True)
    limiter.reset()
    client = app.test_client()
    for n in range(5):
        assert client.post("/login", data={"username": "zhang", "password": f"wrong{n}"}).status_code == 200
    sixth = client.post("/login", data={"username": "zhang", "password": "wrong"})
    assert sixth.status_code == 429 and "请求过于频繁" in sixth.get_data(as_text=True)
    # The refused sixth try is not counted against the address: 5 + 15 = 20 a minute from it.
    for n in range(15):
        assert client.post("/login", data={"username": f"user{n}", "password": "x"}).status_code == 200
    assert client.post("/login", data={"username": "someone-else", "password": "x"}).status_code == 429
    assert client.get("/login").status_code == 200  # reading the form is never limited
    limiter.reset()


def test_api_gets_401_after_the_absolute_cap(seeded) -> None:
    from tests.test_visit_views import body, put

    client = seeded.test_client()
    with freeze_time("2026-11-25 00:00:00") as frozen:
        AuthActions(client).login("inspector1")
        for _ in range(72):
            frozen.tick(timedelta(minutes=10))
            client.get("/visits/")
        response = put(client, body(seeded))
        assert response.status_code == 401 and response.is_json


def test_files_a_page_loads_alongside_never_set_the_session_cookie(csrf_app) -> None:
    """A phone sends the service worker's script and static files alongside a page's own
    requests, with the cookie it had then; had their answers set a cookie, one arriving after the
    login page's would replace the session holding the login form's CSRF token (seen in a
    browser test: "The CSRF session token is missing" on logging in again)."""
    client = csrf_app.test_client()
    redirected = client.get("/visits/")  # signed out: to the login page, with a flashed message
    assert redirected.status_code == 302 and "ruwo_session=" in redirected.headers.get("Set-Cookie", "")
    for path in ("/sw.js", "/static/css/ruwo.css"):  # sent with that cookie, as the login page loads
        answer = client.get(path)
        assert answer.status_code == 200 and "Set-Cookie" not in answer.headers, path
    token = csrf_token(client.get("/login").get_data(as_text=True))
    assert client.post("/login", data={"username": "x", "password": "y", "csrf_token": token}).status_code == 200


def test_pages_vary_by_cookie_and_static_files_do_not(csrf_app) -> None:
    client = csrf_app.test_client()
    assert "Cookie" in client.get("/login").headers.get("Vary", "")
    for path in ("/static/css/ruwo.css", "/static/js/visit.js"):
        assert "Cookie" not in client.get(path).headers.get("Vary", ""), path
