"""Several app servers over shared stores: the login rate limit counted in Redis across servers,
the lockout in the database, and a visit carried from one gunicorn to another over one
PostgreSQL database and one SeaweedFS bucket (README "Production: several app servers")."""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Photo, Visit, VisitState
from app.services import demo
from app.services.accounts import hasher_from_config
from tests.conftest import PASSWORD, csrf_token
from tests.photo_samples import encoded
from tests.test_visit_views import UUID, body

ROOT = Path(__file__).resolve().parent.parent
#: The public name the TLS-terminating proxy answers to; it forwards to either server.
PUBLIC = "ruwo.example"
META_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def fail_login(client, username: str = "inspector1", password: str = "wrong"):
    return client.post("/login", data={"username": username, "password": password})


def test_login_rate_limit_is_counted_across_servers_in_redis(app_factory, redis_server) -> None:
    """5 failed logins a minute per user name, spread over two app instances, then refused on
    either. Flask-Limiter keeps one storage per process and each create_app replaces it, so a
    memory:// count starts again from zero when the second app is made (checked last); the Redis
    count carries on."""
    from app.extensions import limiter

    shared = {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": redis_server.url}
    first = app_factory(**shared)
    limiter.reset()
    server_a = first.test_client()
    for _ in range(3):
        assert fail_login(server_a).status_code == 200
    server_b = app_factory(schema=False, **shared).test_client()
    for _ in range(2):
        assert fail_login(server_b).status_code == 200
    refused = fail_login(server_b)
    assert refused.status_code == 429 and "请求过于频繁" in refused.get_data(as_text=True)
    assert fail_login(server_a, password=PASSWORD).status_code == 429  # even the right password, for now
    assert fail_login(server_b, username="inspector2").status_code == 200  # another user name is not held up
    assert any(key.startswith(b"LIMITS") for key in redis_server.client().keys("*"))
    limiter.reset()

    # The control: the same spread over two instances counting in memory lets the sixth through.
    local = {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"}
    server_a = app_factory(schema=False, **local).test_client()
    for _ in range(3):
        assert fail_login(server_a, username="inspector3").status_code == 200
    server_b = app_factory(schema=False, **local).test_client()
    for _ in range(3):
        assert fail_login(server_b, username="inspector3").status_code == 200
    limiter.reset()


def test_the_lockout_is_shared_through_the_database(app_factory, seeded) -> None:
    """Failures spread over two app instances on one database lock the account on both."""
    server_a = seeded.test_client()
    server_b = app_factory(schema=False).test_client()
    for client in (server_a, server_b, server_a, server_b, server_a):
        assert "已被锁定" not in fail_login(client).get_data(as_text=True)
    for client in (server_a, server_b):
        page = fail_login(client, password=PASSWORD)
        assert page.status_code == 200 and "已被锁定" in page.get_data(as_text=True)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Browser:
    """One user's browser behind the proxy: one cookie jar whichever server answers. Each request
    carries what the proxy adds (X-Forwarded-Proto https, the public host, the user's address), so
    the production configuration (one trusted proxy) sees HTTPS, and Flask-WTF checks the Referer."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def send(self, server: str, method: str, path: str, body: bytes | None = None,
             content_type: str | None = None, csrf: str | None = None) -> tuple[int, dict[str, str], bytes]:
        headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": PUBLIC, "X-Forwarded-For": "203.0.113.7",
                   "Referer": f"https://{PUBLIC}{path}", "Accept": "text/html,application/json"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        if content_type:
            headers["Content-Type"] = content_type
        if csrf:
            headers["X-CSRFToken"] = csrf
        address = urlsplit(server)
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers)
            answer = connection.getresponse()
            data = answer.read()
            for line in answer.msg.get_all("Set-Cookie") or []:
                jar: SimpleCookie = SimpleCookie()
                jar.load(line)
                for name, morsel in jar.items():
                    if morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value
            return answer.status, {k.lower(): v for k, v in answer.getheaders()}, data
        finally:
            connection.close()

    def page(self, server: str, path: str) -> str:
        status, _headers, data = self.send(server, "GET", path)
        assert status == 200, f"GET {path} on {server}: {status}"
        return data.decode()

    def form(self, server: str, path: str, fields: dict[str, str]) -> tuple[int, dict[str, str]]:
        status, headers, _data = self.send(server, "POST", path, urlencode(fields).encode(),
                                           "application/x-www-form-urlencoded")
        return status, headers

    def json(self, server: str, method: str, path: str, data: dict, csrf: str) -> tuple[int, dict]:
        status, _headers, answer = self.send(server, method, path, json.dumps(data).encode(), "application/json", csrf)
        return status, json.loads(answer)

    def log_in(self, server: str, username: str) -> None:
        token = csrf_token(self.page(server, "/login"))
        status, headers = self.form(server, "/login", {"username": username, "password": PASSWORD,
                                                       "csrf_token": token})
        assert status == 302, f"login of {username} on {server}: {status}"
        assert "__Host-ruwo_session" in self.cookies


def multipart(fields: dict[str, str], filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
             for name, value in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
                 "Content-Type: image/jpeg\r\n\r\n".encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def gunicorn(port: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("w") as out:
        return subprocess.Popen(  # noqa: S603 - fixed arguments
            [sys.executable, "-m", "gunicorn", "--workers", "1", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


@pytest.fixture
def two_servers(request, backend: str, app_factory, database_url: str, tmp_path: Path) -> Iterator[tuple]:
    """Two gunicorns (one sync worker each, production configuration, CSRF on, one SECRET_KEY,
    an instance folder each) on this test's PostgreSQL database and a prefix of SeaweedFS's bucket,
    seeded with the demo county. Yields the app (for checks) and the two servers' addresses."""
    if backend != "postgresql":
        pytest.skip("several app servers share one PostgreSQL database: this runs on the PostgreSQL pass "
                    "(RUWO_TEST_BACKEND=postgresql)")
    store = request.getfixturevalue("seaweedfs").settings(f"t-{uuid.uuid4().hex[:12]}/")
    app = app_factory(**store)
    with app.app_context():
        demo.seed(PASSWORD, hasher_from_config(app.config), reset_passwords=False)
        db.session.commit()
    shared = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), "RUWO_CONFIG": "production",
              "DATABASE_URL": database_url, "SECRET_KEY": "scale-out-test-key-" + "y" * 40,
              **{f"RUWO_{key}": value for key, value in store.items()}}
    servers: list[tuple[subprocess.Popen, str, Path]] = []
    try:
        for name in ("a", "b"):
            port, log = free_port(), tmp_path / f"gunicorn-{name}.log"
            env = {**shared, "RUWO_INSTANCE_PATH": str(tmp_path / f"server-{name}")}
            servers.append((gunicorn(port, env, log), f"http://127.0.0.1:{port}", log))
        deadline = time.monotonic() + 30
        for process, base, log in servers:
            while True:
                try:
                    if Browser().send(base, "GET", "/healthz")[0] == 200:
                        break
                except OSError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"gunicorn did not start: {log.read_text()}")
                time.sleep(0.2)
        yield app, servers[0][1], servers[1][1]
    finally:
        for process, _base, _log in servers:
            process.terminate()
        for process, _base, _log in servers:
            process.wait(timeout=10)


def test_a_visit_goes_through_two_servers_over_one_database_and_one_bucket(two_servers) -> None:
    """Autosaved on A, its photo uploaded to B, submitted on A, approved through B; the photo reads
    the same through either, and the leader sees the approval (and B's flash message) on A."""
    app, server_a, server_b = two_servers
    inspector = Browser()
    inspector.log_in(server_a, "inspector1")
    token = META_CSRF.search(inspector.page(server_a, "/visits/")).group(1)  # A's token, used on B too
    draft = body(app)
    status, saved = inspector.json(server_a, "PUT", f"/visits/api/visits/{UUID}", draft, token)
    assert status == 200 and saved["state"] == "draft"

    photo = encoded("JPEG", (800, 600))
    data, content_type = multipart({"photo_uuid": "6f1e0c2a-7b3d-4e8f-9a1b-2c3d4e5f6a7b",
                                    "question_key": "summary_photo", "taken_at": "1795640106587"}, "p.jpg", photo)
    status, _headers, answer = inspector.send(server_b, "POST", f"/visits/api/visits/{UUID}/photos", data,
                                              content_type, token)
    assert status == 201, answer
    photo_url = json.loads(answer)["url"]

    status, submitted = inspector.json(server_a, "POST", f"/visits/api/visits/{UUID}/submit", draft, token)
    assert status == 200, submitted
    visit_id = submitted["id"]

    leader = Browser()
    leader.log_in(server_b, "leader")
    review = leader.page(server_b, f"/dashboard/visits/{visit_id}")
    assert "审核暗访记录" in review and "确认审核通过" in review
    status, headers = leader.form(server_b, f"/dashboard/visits/{visit_id}/approve", {"csrf_token": csrf_token(review)})
    assert status == 302, status
    assert "审核通过：" in leader.page(server_a, urlsplit(headers["location"]).path)  # B's flash, shown by A
    record = leader.page(server_a, f"/dashboard/visits/{visit_id}")
    assert "暗访记录详情" in record and "已通过" in record and "确认审核通过" not in record

    fetched = []
    for who, server in ((inspector, server_a), (inspector, server_b), (leader, server_a), (leader, server_b)):
        status, headers, image = who.send(server, "GET", photo_url)
        assert status == 200 and headers["content-type"] == "image/jpeg"
        fetched.append(image)
    assert fetched[0] and all(image == fetched[0] for image in fetched)
    with app.app_context():
        assert db.session.get(Visit, visit_id).state == VisitState.APPROVED
        stored = db.session.scalar(sa.select(Photo).where(Photo.visit_id == visit_id))
        with app.extensions["ruwo_storage"].open(stored.storage_key) as fh:
            assert fh.read() == fetched[0]  # from the one bucket
