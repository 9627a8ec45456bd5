"""The addresses an inspector's phone keeps for offline work (see static/js/sw.js)."""

from __future__ import annotations

from flask import url_for

from app.services.visits import SHELL_UUID, OfflineKit

#: Scripts and styles of the phone pages.
ASSETS = ("css/ruwo.css", "img/icon.svg", "js/visit-draft.js", "js/visit.js", "js/visit-start.js",
          "js/photo.js", "js/offline.js", "js/queue.js")


def offline_urls(kit: OfflineKit) -> list[str]:
    """Home, the start pages of every hall and window, the visit pages for any visit (the
    generic one and one per assignment, whose checklist may differ) and their assets."""
    urls = [url_for("visits.index"), url_for("visits.start")]
    urls += [url_for("visits.start", hall_id=hall_id) for hall_id in kit.hall_ids]
    urls += [url_for("visits.start", window_id=window_id) for window_id in kit.window_ids]
    for endpoint in ("visits.timer", "visits.checklist"):
        urls.append(url_for(endpoint, visit_uuid=SHELL_UUID))
        urls += [url_for(endpoint, visit_uuid=SHELL_UUID, assignment_id=a) for a in kit.assignment_ids]
    return urls + [url_for("static", filename=name) for name in ASSETS]
