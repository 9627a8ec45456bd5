"""Bytes a phone downloads for the visit screen and the checklist (HTML + CSS + JS).

Logs in as inspector1 on a fresh demo database (test client, no network), fetches each page
and every same-origin stylesheet and script it references, and reports the raw and the
gzip-compressed size (level 6, what nginx uses by default). Also checks that no page
references another host. Budget (issue "The inspector's phone"): 60 KB per page.

    make bench-pages
"""

from __future__ import annotations

import gzip
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import ServiceItem, Window  # noqa: E402
from app.services import demo  # noqa: E402
from app.services.accounts import hasher_from_config  # noqa: E402
from bench._server import record  # noqa: E402
from config import TestingConfig  # noqa: E402

BUDGET = 60_000  # "60 KB", read strictly as 60,000 bytes
ASSET = re.compile(r'<(?:link[^>]+href|script[^>]+src)="([^"]+)"')
EXTERNAL = re.compile(r'(?:src|href)="(?:https?:)?//')
PASSWORD = "Bench-pass-2026"


def main() -> int:
    folder = Path(tempfile.mkdtemp())
    config = type("BenchConfig", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3"})
    app = create_app(config, instance_path=folder / "instance", environ={})
    with app.app_context():
        db.create_all()
        demo.seed(PASSWORD, hasher_from_config(app.config), reset_passwords=False)
        db.session.commit()
        window = db.session.query(Window).filter_by(name="企业登记窗口").one()
        item = db.session.query(ServiceItem).filter_by(code="market-company-setup").one()
        query = f"?window_id={window.id}&item_id={item.id}"
    client = app.test_client()
    client.post("/login", data={"username": "inspector1", "password": PASSWORD})
    uuid = "5f1e0c2a-7b3d-4e8f-9a1b-2c3d4e5f6a7b"
    pages = {"visit screen (timer)": f"/visits/v/{uuid}{query}",
             "checklist": f"/visits/v/{uuid}/checklist{query}",
             "inspector home": "/visits/"}
    failed, rows = False, []
    print(f"{'page':<24}{'part':<28}{'raw B':>9}{'gzip B':>9}")
    for name, path in pages.items():
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        html = response.get_data()
        parts = [("html", html)]
        for url in ASSET.findall(html.decode()):
            parts.append((url.split("?")[0], client.get(url).get_data()))
        raw = gz = 0
        for part, content in parts:
            size, packed = len(content), len(gzip.compress(content, 6))
            raw, gz = raw + size, gz + packed
            print(f"{name:<24}{part:<28}{size:>9}{packed:>9}")
        external = EXTERNAL.findall(html.decode())
        verdict = "ok" if raw <= BUDGET and not external else "OVER BUDGET" if raw > BUDGET else "EXTERNAL"
        failed |= verdict != "ok"
        print(f"{name:<24}{'total':<28}{raw:>9}{gz:>9}  {verdict} (budget {BUDGET} B uncompressed)")
        rows.append({"figure": name, "bytes": raw, "gzip_bytes": gz, "budget": BUDGET, "external": len(external),
                     "pass": verdict == "ok"})
    record("pages", {"rows": rows})
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
