"""Do the leaders' lists stay fast as the county grows? The issue list, the visit archive and
the leader's home, at 10,000 and 100,000 visits (made by ``demo-scale``), first page and a
filtered page, on SQLite and (when RUWO_BENCH_POSTGRES names an empty database) PostgreSQL.

Each page: median of 7 requests through the test client after one warm-up, signed in as the
leader. Prints the time per page and size, and the ratio 100,000 / 10,000 (the issue asks ≤ 1.5).

    make bench-lists            # SQLite only
    RUWO_BENCH_POSTGRES=postgresql+psycopg://… make bench-lists
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Hall  # noqa: E402
from app.services import demo, scale  # noqa: E402
from app.services.accounts import hasher_from_config  # noqa: E402
from config import TestingConfig  # noqa: E402

PASSWORD = "Bench-pass-2026"
SIZES = (10_000, 100_000)


def county(url: str, visits: int, folder: Path):  # type: ignore[no-untyped-def]
    config = type("BenchConfig", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": url})
    app = create_app(config, instance_path=folder / "instance", environ={})
    with app.app_context():
        db.drop_all()
        db.create_all()
        demo.seed(PASSWORD, hasher_from_config(app.config), reset_passwords=False)
        db.session.commit()
        started = time.perf_counter()
        scale.generate(visits, seed=1)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(sa.text("ANALYZE"))
        else:
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
        print(f"  {visits:,} visits generated in {time.perf_counter() - started:.1f} s", flush=True)
        hall = db.session.scalar(sa.select(Hall.id).where(Hall.name == "安远县政务服务中心"))
    return app, hall


def timed(client, path: str) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    assert client.get(path).status_code == 200, path
    times = []
    size = 0
    for _n in range(7):
        started = time.perf_counter()
        response = client.get(path)
        times.append(time.perf_counter() - started)
        size = len(response.get_data())
    return statistics.median(times) * 1000, size


def pages(hall: int) -> dict[str, str]:
    return {"issue list": "/issues/all",
            "issue list, filtered": f"/issues/all?hall={hall}&state=closed&sort=severity",
            "archive": "/archive/",
            "archive, filtered": f"/archive/?hall={hall}&state=approved&findings=1",
            "leader's home": "/dashboard/"}


def run(name: str, url_for_size) -> None:  # type: ignore[no-untyped-def]
    print(f"{name}:")
    results: dict[int, dict[str, tuple[float, int]]] = {}
    for visits in SIZES:
        folder = Path(tempfile.mkdtemp())
        app, hall = county(url_for_size(folder, visits), visits, folder)
        client = app.test_client()
        client.post("/login", data={"username": "leader", "password": PASSWORD})
        results[visits] = {page: timed(client, path) for page, path in pages(hall).items()}
    small, large = SIZES
    print(f"  {'page':<24}{small:>10,} ms{large:>10,} ms{'ratio':>8}{'KB':>8}")
    for page in results[small]:
        a, b = results[small][page][0], results[large][page][0]
        print(f"  {page:<24}{a:>13.1f}{b:>13.1f}{b / a:>8.2f}{results[large][page][1] / 1024:>8.0f}")


def main() -> None:
    run("SQLite", lambda folder, _n: f"sqlite:///{folder}/bench.sqlite3")
    postgres = os.environ.get("RUWO_BENCH_POSTGRES")
    if postgres:
        run("PostgreSQL", lambda _folder, _n: postgres)


if __name__ == "__main__":
    main()
