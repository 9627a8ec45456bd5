"""Addresses built once: ``url_for`` remembers what it built inside requests.

A phone page names 20–30 addresses (its scripts, the API it talks to, the links of its header
and footer), and werkzeug builds each from its rule every time: 5–10 µs apiece, a tenth of the
checklist's time on the server. What ``url_for`` returns in a request depends only on the
endpoint, the values after the URL defaults have filled them in (a static file's version
among them), and what the request's URL adapter knows of the address (script root, host,
scheme, subdomain) — so that is the key, and a hit costs a dictionary lookup.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.globals import _cv_request  # what Flask's own url_for reads
from werkzeug.routing import BuildError

#: Addresses kept; past this the memory starts again (each visit has its own addresses).
MAX_URLS = 4096


class CachedUrls(Flask):
    """Flask whose ``url_for`` in a request, for an internal address without anchor or method,
    returns what it built before for the same key; anything else goes to Flask."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.built_urls: dict[tuple[Any, ...], str] = {}

    def url_for(self, /, endpoint: str, *, _anchor: str | None = None, _method: str | None = None,
                _scheme: str | None = None, _external: bool | None = None, **values: Any) -> str:
        context = _cv_request.get(None)
        if (context is None or context.url_adapter is None or endpoint[:1] == "."
                or _anchor is not None or _method is not None or _scheme is not None or _external):
            return super().url_for(endpoint, _anchor=_anchor, _method=_method, _scheme=_scheme,
                                   _external=_external, **values)
        self.inject_url_defaults(endpoint, values)
        adapter = context.url_adapter
        # The value's type is in the key: 1 and True are equal keys but not the same address.
        key = (endpoint, adapter.script_name, adapter.server_name, adapter.url_scheme, adapter.subdomain,
               tuple((name, value.__class__, value) for name, value in values.items()))
        urls = self.built_urls
        try:
            return urls[key]
        except KeyError:
            pass
        except TypeError:  # a value that cannot be a key (a list): build it every time
            key = None
        try:
            url = adapter.build(endpoint, values, force_external=False)
        except BuildError as error:
            values.update(_anchor=None, _method=None, _scheme=None, _external=False)
            return self.handle_url_build_error(error, endpoint, values)
        if key is not None:
            if len(urls) >= MAX_URLS:
                urls.clear()
            urls[key] = url
        return url
