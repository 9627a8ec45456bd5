"""``url_for`` remembers addresses it built in requests: the same address Flask builds, for
every key it depends on, and a bounded memory."""

from __future__ import annotations

import pytest
from flask import Flask, url_for
from werkzeug.routing import BuildError

from app import url_cache

CALLS = [
    ("visits.index", {}),
    ("visits.api_save", {"visit_uuid": "0b0f7b7e-2d1e-4e52-9d2a-8d4b3b0a1c11"}),
    ("visits.api_save", {"visit_uuid": "1c1f7b7e-2d1e-4e52-9d2a-8d4b3b0a1c11"}),
    ("auth.login", {"next": "/visits/v/x/checklist?window_id=1&item_id="}),
    ("visits.start", {"window_id": 1}),
    ("visits.start", {"window_id": True}),  # equal to 1 as a key, not as an address
    ("visits.start", {"window_id": 1.5}),
    ("visits.start", {"window_id": [1, 2]}),  # no key: built each time
    ("static", {"filename": "css/ruwo.css"}),
    ("static", {"filename": "js/visit.js", "v": "old"}),
]


def _flask(app: Flask, endpoint: str, values: dict) -> str:
    return Flask.url_for(app, endpoint, **values)


@pytest.mark.parametrize("base_url", ["http://localhost/", "http://county.example/ruwo/",
                                      "https://other.example:8443/"])
def test_the_address_is_flasks_first_time_and_after(app, base_url) -> None:
    with app.test_request_context("/visits/", base_url=base_url):
        for endpoint, values in CALLS:
            expected = _flask(app, endpoint, dict(values))
            assert url_for(endpoint, **values) == expected  # built
            assert url_for(endpoint, **values) == expected  # remembered
        assert url_for("visits.start", window_id=True) != url_for("visits.start", window_id=1)
        # what the cache passes to Flask is Flask's as before
        assert url_for("visits.index", _external=True) == base_url.rstrip("/") + "/visits/"
        assert url_for("visits.index", _anchor="top").endswith("/visits/#top")
        with pytest.raises(BuildError):
            url_for("visits.nowhere")


def test_another_prefix_or_host_is_another_address(app) -> None:
    with app.test_request_context("/", base_url="http://localhost/"):
        plain = url_for("visits.index")
    with app.test_request_context("/", base_url="http://localhost/prefix/"):
        prefixed = url_for("visits.index")
    assert (plain, prefixed) == ("/visits/", "/prefix/visits/")


def test_memory_is_bounded(app, monkeypatch) -> None:
    monkeypatch.setattr(url_cache, "MAX_URLS", 3)
    with app.test_request_context("/"):
        for n in range(10):
            assert url_for("visits.start", window_id=n) == f"/visits/start?window_id={n}"
        assert len(app.built_urls) <= 3
        assert url_for("visits.start", window_id=2) == "/visits/start?window_id=2"
