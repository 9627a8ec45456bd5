"""Scripts and stylesheets are sent minified under their own addresses, with validators; other
files as they are; an edited file is sent anew. Pages name each file with its version, which a
browser may keep a year."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from tests.test_visit_views import client_for

STATIC = Path(__file__).resolve().parent.parent / "app" / "static"


def test_scripts_and_stylesheets_are_sent_minified_with_validators(client) -> None:
    for name, mimetype in (("js/visit.js", "text/javascript"), ("css/ruwo.css", "text/css")):
        written = (STATIC / name).read_bytes()
        response = client.get(f"/static/{name}")
        assert response.status_code == 200 and response.mimetype == mimetype
        sent = response.get_data()
        assert len(sent) < 0.9 * len(written) and b"\n  " not in sent
        again = client.get(f"/static/{name}", headers={"If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304
    # comments go, code stays
    script = client.get("/static/js/queue.js").get_data(as_text=True)
    assert "/**" not in script and "addEventListener" in script


def test_other_files_and_unknown_paths_are_as_before(client) -> None:
    assert client.get("/static/img/icon.svg").get_data() == (STATIC / "img/icon.svg").read_bytes()
    assert client.get("/static/js/nope.js").status_code == 404
    assert client.get("/static/../config.py").status_code == 404


def test_switched_off_the_files_are_sent_as_written(app, client) -> None:
    app.config["MINIFY_STATIC"] = False
    assert client.get("/static/js/visit.js").get_data() == (STATIC / "js/visit.js").read_bytes()


def test_an_edited_file_is_minified_again(app, client, tmp_path) -> None:
    app.static_folder = str(tmp_path)
    script = tmp_path / "a.js"
    script.write_text("// one\nvar  answer = 1;\n")
    assert client.get("/static/a.js").get_data(as_text=True) == "var answer=1;"
    script.write_text("// two\nvar  answer = 22;\n")
    os.utime(script, ns=(script.stat().st_atime_ns, script.stat().st_mtime_ns + 10**9))
    assert client.get("/static/a.js").get_data(as_text=True) == "var answer=22;"


def test_pages_name_each_file_with_its_version_which_may_be_kept_a_year(seeded) -> None:
    inspector = client_for(seeded, "inspector1")
    page = inspector.get("/visits/").get_data(as_text=True)
    named = dict(re.findall(r'(?:href|src)="/static/([^"?]+)\?v=([0-9a-f]{8})"', page))
    assert {"css/ruwo.css", "js/queue.js", "img/icon.svg"} <= named.keys()
    assert "/static/" not in re.sub(r'(?:href|src)="/static/[^"?]+\?v=[0-9a-f]{8}"', "", page)  # every one
    for name, version in named.items():
        assert version == hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:8]
        kept = inspector.get(f"/static/{name}?v={version}")
        assert kept.status_code == 200
        assert kept.headers["Cache-Control"] == "public, max-age=31536000, immutable", name
        assert "Set-Cookie" not in kept.headers and "Cookie" not in kept.headers.get("Vary", "")
    # asked for without a version, or with one that is not the file's (a page from before an
    # update): the current file, to be revalidated each time
    for asked in ("/static/css/ruwo.css", "/static/css/ruwo.css?v=00000000"):
        response = inspector.get(asked)
        assert response.status_code == 200 and response.headers["Cache-Control"] == "no-cache"
        assert response.get_data() == inspector.get(f"/static/css/ruwo.css?v={named['css/ruwo.css']}").get_data()


def test_an_edited_file_gets_a_new_address(app, client, tmp_path, monkeypatch) -> None:
    from flask import url_for

    from app import static_files

    monkeypatch.setattr(static_files, "RECHECK_SECONDS", 0.0)  # at once, not within a second
    app.static_folder = str(tmp_path)
    script = tmp_path / "a.js"
    script.write_text("var answer = 1;\n")
    with app.test_request_context():
        first = url_for("static", filename="a.js")
        assert url_for("static", filename="none.js") == "/static/none.js"  # no file, no version
    script.write_text("var answer = 22;\n")
    os.utime(script, ns=(script.stat().st_atime_ns, script.stat().st_mtime_ns + 10**9))
    with app.test_request_context():
        second = url_for("static", filename="a.js")
    assert first.startswith("/static/a.js?v=") and second.startswith("/static/a.js?v=") and first != second
    assert client.get(first).headers["Cache-Control"] == "no-cache"  # no longer the file's version
    assert client.get(second).headers["Cache-Control"].endswith("immutable")
