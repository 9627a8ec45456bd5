"""Hostile values everywhere a request can carry them, generated from ``app.url_map``: a new route
is covered without editing this test. For each rule: hostile path arguments; for every form a
GET page renders: hostile values in each field (with the form's CSRF token, as a role allowed
on the route); for every GET route: its query arguments from QUERY_ARGS (a GET route missing
from the table fails); JSON bodies for the API. No answer may be a 5xx, and nothing may be
written but (bounded) audit rows. One seeded app for the whole module, on the suite's database.
"""

from __future__ import annotations

import io
import json
import re
import tempfile
import uuid
from collections.abc import Iterator
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from flask import Flask

from app import create_app
from app.auth.access import POLICY_ATTR
from app.extensions import db
from app.models import Role
from app.services import accounts, demo, issues, visits
from app.services.accounts import hasher_from_config
from tests.conftest import PASSWORD, AuthActions, _reset_schema, config_for, postgres_url, suite_backend

HUGE, NEGATIVE = "99999999999999999999", "-2147483649"
TEXT_VALUES = [HUGE, NEGATIVE, "a\x00b", "x" * 1_000_000, "[" * 10_000, "1e999", "nan"]
PATH_VALUES = [HUGE, str(2**31), "-1", "0", "%00", "x" * 5000, "%ED%BF%BF"]
NESTED: object = 1
for _ in range(20):
    NESTED = [NESTED]
JSON_VALUES = [2**70, -(2**70), "a\x00b", "\udfff", "x" * 300_000, NESTED, {"a": None}, True, 1.5e308, None]

#: The query arguments each GET route reads (every GET route must be listed; [] when none).
QUERY_ARGS: dict[str, list[str]] = {
    "main.index": [], "main.healthz": [], "main.service_worker": [], "auth.account": [], "auth.change_password": [],
    "auth.login": ["next"], "admin.index": [], "admin.audit_log": ["action", "page"],
    "admin.calendar_days": ["year"], "admin.office": [], "issues.unit_notice": [], "issues.notice": [], "issues.unit_notice_pdf": [], "issues.notice_pdf": [],
    "campaigns.circular": [], "campaigns.circular_pdf": [], "admin.hall_form": [], "admin.item_form": [],
    "admin.import_guides": [], "admin.unit_form": [], "admin.users": ["q", "all", "page"],
    "admin.user_edit": [], "admin.user_password": [], "admin.user_new": [],
    "admin.window_form": ["hall_id"], "catalogue.halls": ["q", "all", "page"], "catalogue.hall": [],
    "catalogue.items": ["q", "all", "page"], "catalogue.item": [], "catalogue.units": ["q", "all", "page"],
    "dashboard.index": ["from", "to", "campaign", "hall", "unit"],
    "dashboard.chart": ["from", "to", "campaign", "hall", "unit"], "dashboard.assignments": [], "dashboard.visit_list": ["campaign"],
    "dashboard.visit_detail": [], "issues.index": [], "issues.detail": [],
    "issues.listing": ["unit", "hall", "window", "category", "severity", "state", "overdue", "sort", "campaign",
                       "from", "to"],
    "issues.period_circular": ["from", "to"], "issues.period_circular_pdf": ["from", "to"],
    "photos.full": [], "photos.thumb": [], "photos.evidence": [], "photos.evidence_thumb": [],
    "visits.index": [], "visits.api_session": [], "visits.api_offline": [], "visits.start": ["hall_id", "window_id", "lat", "lon"],
    "visits.timer": ["window_id", "item_id", "assignment_id"],
    "visits.checklist": ["window_id", "item_id", "assignment_id"], "visits.view": [],
    "campaigns.index": [], "campaigns.new": [], "campaigns.edit": [], "campaigns.detail": [],
    "campaigns.check": [], "campaigns.disclosure": [], "campaigns.published": [],
    "issues.ledger": ["unit", "hall", "window", "category", "severity", "state", "overdue", "sort", "campaign",
                      "from", "to"],
    "issues.unit_ledger": [], "campaigns.ledger": [],
    "archive.visits_csv": ["from", "to", "campaign", "hall", "window", "unit", "inspector", "item", "state", "findings"],
    "archive.visits_xlsx": ["from", "to", "campaign", "hall", "window", "unit", "inspector", "item", "state",
                            "findings"],
    "notifications.index": [], "exports.index": [], "exports.detail": [], "exports.status": [], "exports.download": [],
    "archive.index": ["from", "to", "campaign", "hall", "window", "unit", "inspector", "item", "state", "findings",
                      "page"],
}
#: The form that ends the session; and "next", which every form accepts and reduces to a local
#: path (tests of local_path): a hostile one is ignored, and the rest of the form acts.
SKIP_FORMS = {"/logout"}
SKIP_FIELDS = {"csrf_token", "next"}
#: The sweep signs in with accounts of its own, made after the demo ones: the edit pages it
#: sweeps (/admin/users/1/…) change a demo account, never the one posting.
USERS = {Role.ADMIN: "sweep-admin", Role.LEADER: "sweep-leader", Role.INSPECTOR: "sweep-inspector",
         Role.UNIT: "sweep-unit"}
UNITS = {Role.INSPECTOR: "approval", Role.UNIT: "market"}
VISIT_UUID = "0c9e6a52-5d7e-4c43-9d55-2b1e3f4a5b6c"  # no visit has it
SUBMITTED_UUID = "5b0f4c1e-2d3a-4e5f-8a9b-0c1d2e3f4a5b"
DRAFT_UUID = "7d2a9e4b-1c3f-4a5b-9c8d-2e1f0a3b4c5d"


def visit_body(app: Flask, **answers: object) -> dict:
    from tests.test_visit_views import COMPLETE, body

    return body(app, answers={**COMPLETE, **answers})


@pytest.fixture(scope="module")
def swept(tmp_path_factory) -> Iterator[Flask]:
    """One seeded app (CSRF on) for the module."""
    backend = suite_backend()
    folder = tmp_path_factory.mktemp("sweep")
    if backend == "postgresql":
        url = postgres_url()
    else:
        url = f"sqlite:///{folder / 'sweep.sqlite3'}"
    app = create_app(config_for(url, WTF_CSRF_ENABLED=True), instance_path=folder / "instance", environ={})
    with app.app_context():
        _reset_schema()
        demo.seed(PASSWORD, hasher_from_config(app.config), reset_passwords=False)
        for role, username in USERS.items():
            accounts.create_user(accounts.NewUser(username=username, role=role, password=PASSWORD,
                                                  unit_code=UNITS.get(role), must_change_password=False),
                                 hasher_from_config(app.config))
        db.session.commit()
    # A submitted, approved visit with its issues (visit 1, issue 1...): their pages have forms too.
    draft = visit_body(app, attitude_score=1)
    with app.app_context():
        inspector = accounts.find_by_username("sweep-inspector")
        payload = visits.parse_payload(SUBMITTED_UUID, draft)
        visit, _repeated = visits.submit(inspector, payload)
        db.session.commit()
        issues.approve(visit, accounts.find_by_username("leader"))
        visits.save_draft(inspector, visits.parse_payload(DRAFT_UUID, draft))
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


class Clients:
    """One signed-in test client per role (anonymous for None), shared by the module's tests."""

    _of: dict[int, Clients] = {}

    def __init__(self, app: Flask) -> None:
        self.app, self.clients = app, {}

    @classmethod
    def of(cls, app: Flask) -> Clients:
        return cls._of.setdefault(id(app), cls(app))

    def __call__(self, role: Role | None, renew: bool = False):
        if role is None:
            return self.clients.setdefault(None, self.app.test_client())
        if renew or role not in self.clients or self.clients[role].get("/account").status_code != 200:
            client = self.app.test_client()
            answer = AuthActions(client).login(USERS[role])
            assert answer.status_code == 302, re.findall(r"class=\"(?:flash[^\"]*|error)\"[^>]*>([^<]+)", answer.get_data(as_text=True))
            self.clients[role] = client
        return self.clients[role]


def roles_for(app: Flask, endpoint: str) -> list[Role | None]:
    """The roles allowed on ``endpoint`` (None: anonymous, for public views)."""
    policy = getattr(app.view_functions[endpoint], POLICY_ATTR, None)
    if policy == "public" or policy is None:
        return [None]
    return sorted(policy, key=list(USERS).index)


def role_for(app: Flask, endpoint: str) -> Role | None:
    return roles_for(app, endpoint)[0]


def row_counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        return {table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table)) or 0
                for table in db.metadata.sorted_tables if table.name != "audit_log"}


class FormParser(HTMLParser):
    """The POST forms of a page: action and the fields with their current values."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self.forms.append({"action": attrs.get("action") or "", "fields": {}, "files": set()})
        elif tag in ("input", "textarea", "select") and self.forms and attrs.get("name"):
            kind = (attrs.get("type") or "").lower()
            fields = self.forms[-1]["fields"]
            if kind == "file":
                self.forms[-1]["files"].add(attrs["name"])
            elif kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    fields[attrs["name"]] = attrs.get("value") or "y"
                else:
                    fields.setdefault(attrs["name"], None)
            else:
                fields.setdefault(attrs["name"], attrs.get("value") or "")


def forms_of(html: str, path: str) -> list[dict]:
    parser = FormParser()
    parser.feed(html)
    for form in parser.forms:
        form["action"] = form["action"] or path
    return parser.forms


def concrete_paths(app: Flask) -> Iterator[tuple[str, str, list[str]]]:
    """(endpoint, a path with sensible arguments, methods) for each rule."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        values = {}
        for name in rule.arguments:
            converter = rule._converters[name]
            values[name] = "1" if type(converter).__name__ == "IdConverter" else VISIT_UUID
        path = rule.rule
        for name, value in values.items():
            path = re.sub(rf"<(?:[^:<>]+:)?{name}>", value, path)
        yield rule.endpoint, path, sorted(rule.methods - {"HEAD", "OPTIONS"})


def test_every_get_route_declares_its_query_arguments(swept) -> None:
    gets = {endpoint for endpoint, _path, methods in concrete_paths(swept) if "GET" in methods}
    assert sorted(gets - set(QUERY_ARGS)) == [], "add these GET routes to QUERY_ARGS"


def test_hostile_path_and_query_values(swept) -> None:
    clients, before, failures = Clients.of(swept), row_counts(swept), []
    for rule in swept.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        role = role_for(swept, rule.endpoint)
        client = clients(role)
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        for name in rule.arguments:
            for value in PATH_VALUES:
                path = re.sub(rf"<(?:[^:<>]+:)?{name}>", value, rule.rule)
                path = re.sub(r"<(?:int:)?[^<>]+_id>", "1", path)
                path = re.sub(r"<[^<>]+>", VISIT_UUID, path)
                for method in methods:
                    status = client.open(path, method=method).status_code
                    if status >= 500:
                        failures.append(f"{method} {path[:120]} → {status}")
        if "GET" in methods:
            path = next(p for e, p, _m in concrete_paths(swept) if e == rule.endpoint and
                        (p == rule.rule or "<" in rule.rule))
            for arg in QUERY_ARGS.get(rule.endpoint, []):
                for value in [*TEXT_VALUES[:3], "x" * 10_000, "%00"]:
                    status = client.get(f"{path}?{urlencode({arg: value})}").status_code
                    if status >= 500:
                        failures.append(f"GET {path}?{arg}={value[:20]!r} → {status}")
    assert failures == []
    assert row_counts(swept) == before


def test_hostile_photo_upload_fields(swept) -> None:
    from tests.photo_samples import encoded

    clients, before, failures = Clients.of(swept), row_counts(swept), []
    inspector = clients(Role.INSPECTOR)
    token = inspector.get("/visits/api/session").get_json()["csrf_token"]
    good = {"question_key": "summary_photo", "taken_at": "1795000000000"}  # 2026-11-18
    for name in ("photo_uuid", *good):
        for value in [*TEXT_VALUES, "-1", "1e309", str(2**70)]:
            data = {"photo_uuid": str(uuid.uuid4()), **good, name: value,
                    "file": (io.BytesIO(encoded("JPEG")), "p.jpg")}
            status = inspector.post(f"/visits/api/visits/{DRAFT_UUID}/photos", data=data, headers={
                "X-CSRFToken": token}, content_type="multipart/form-data").status_code
            if status >= 500 or status < 400:
                failures.append(f"photo {name}={value[:20]!r} → {status}")
    assert failures == []
    assert row_counts(swept) == before
    # The same upload with sensible fields is taken: what was refused was the hostile value.
    data = {"photo_uuid": str(uuid.uuid4()), **good, "file": (io.BytesIO(encoded("JPEG")), "p.jpg")}
    assert inspector.post(f"/visits/api/visits/{DRAFT_UUID}/photos", data=data, headers={"X-CSRFToken": token},
                          content_type="multipart/form-data").status_code == 201


#: Values every form must refuse (nothing written); the others must only never give a 5xx
#: (as text, "99999999999999999999" is a valid name).
REFUSED = ["a\x00b", "x" * 1_000_000]


def sweep_forms(app: Flask, clients: Clients, endpoint: str, path: str, seen: set,
                values: list[str]) -> tuple[list[str], int]:
    """POST each hostile value into each field of each form the page at ``path`` renders, for every
    role allowed on it (forms already swept elsewhere are skipped)."""
    failures: list[str] = []
    swept = 0
    for role in roles_for(app, endpoint):
        client = clients(role)
        page = client.get(path)
        if page.status_code != 200 or "text/html" not in page.content_type:
            continue
        for form in forms_of(page.get_data(as_text=True), path):
            action, fields = form["action"], form["fields"]
            key = (role, action, tuple(sorted(fields)), tuple(values))
            if action in SKIP_FORMS or key in seen:
                continue
            seen.add(key)
            swept += 1
            data = {k: v for k, v in fields.items() if v is not None}
            for name in [n for n in fields if n not in SKIP_FIELDS]:
                for value in values:
                    response = client.post(action, data={**data, name: value})
                    status = response.status_code
                    if status >= 500:
                        failures.append(f"POST {action} as {role} {name}={value[:20]!r} → {status}")
                    elif status < 400 and value in REFUSED:
                        failures.append(f"POST {action} as {role} {name}={value[:20]!r} accepted ({status})")
                    if status == 302 and "/login" in response.location:
                        client = clients(role, renew=True)
    return failures, swept


GET_PAGES = sorted((endpoint, path) for endpoint, path, methods in concrete_paths(create_app(
    config_for("sqlite://"), instance_path=tempfile.mkdtemp(), environ={})) if "GET" in methods)


@pytest.fixture(scope="module")
def swept_forms() -> set:
    """The forms already swept in this module (the footer's forms are on every page)."""
    return set()


@pytest.mark.parametrize(("endpoint", "path"), GET_PAGES, ids=[p for _e, p in GET_PAGES])
def test_hostile_form_fields(swept, swept_forms, endpoint, path) -> None:
    clients = Clients.of(swept)
    before = row_counts(swept)
    failures, _forms = sweep_forms(swept, clients, endpoint, path, swept_forms, REFUSED)
    assert row_counts(swept) == before  # refused: nothing written but audit rows
    more, _forms = sweep_forms(swept, clients, endpoint, path, swept_forms,
                               [v for v in TEXT_VALUES if v not in REFUSED])
    assert failures + more == []


def test_the_sweep_reaches_the_forms(swept) -> None:
    """The pages the sweep opens, as the roles it signs in with, render many distinct forms."""
    clients, found = Clients.of(swept), set()
    for endpoint, path in GET_PAGES:
        for role in roles_for(swept, endpoint):
            page = clients(role).get(path)
            if page.status_code == 200 and "text/html" in page.content_type:
                found |= {(role, f["action"], tuple(sorted(f["fields"]))) for f in forms_of(page.get_data(as_text=True), path)}
    assert len(found) >= 50, len(found)


def test_hostile_json_bodies(swept) -> None:
    clients, before, failures = Clients.of(swept), row_counts(swept), []
    inspector = clients(Role.INSPECTOR)
    token = inspector.get("/visits/api/session").get_json()["csrf_token"]
    headers = {"X-CSRFToken": token, "Content-Type": "application/json"}
    keys = ["window_id", "service_item_id", "assignment_id", "marks", "answers", "materials", "position"]
    for method, path in (("PUT", f"/visits/api/visits/{VISIT_UUID}"), ("POST", f"/visits/api/visits/{VISIT_UUID}/submit")):
        for key in keys:
            for value in JSON_VALUES:
                body = json.dumps({"window_id": 99999, key: value}, ensure_ascii=True)
                status = inspector.open(path, method=method, data=body, headers=headers).status_code
                if status >= 500 or status < 400:
                    failures.append(f"{method} {path} {key}={str(value)[:20]!r} → {status}")
        for raw in ("[" * 100_000, "{" * 50 + "}" * 50, '"\\udfff"', "1" * 5000, "null", ""):
            status = inspector.open(path, method=method, data=raw, headers=headers).status_code
            if status >= 500 or status < 400:
                failures.append(f"{method} {path} raw {raw[:12]!r} → {status}")
    assert failures == []
    assert row_counts(swept) == before
