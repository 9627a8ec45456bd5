"""Scripts and stylesheets are sent minified under their own addresses, with validators; other
files as they are; an edited file is sent anew."""

from __future__ import annotations

import os
from pathlib import Path

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
