"""A throwaway Redis (Debian's ``redis-server``) on a free loopback port, without persistence:
the shared store of several app servers (login rate limit, job queue) in the tests."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

from tests.loopback import LoopbackServer

REDIS_SERVER = "/usr/bin/redis-server"


def redis_binary() -> str | None:
    """Debian's redis-server, else one on PATH."""
    return REDIS_SERVER if Path(REDIS_SERVER).exists() else shutil.which("redis-server")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer(LoopbackServer):
    """One ``redis-server`` in the foreground, its files in ``folder``; ``url`` points at it."""

    name, log_name = "redis-server", "redis.log"
    url = ""

    def launch(self) -> tuple[list[str], dict[str, str] | None]:
        port = _free_port()
        self.url = f"redis://127.0.0.1:{port}/0"
        return [self.binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--daemonize", "no", "--dir", str(self.folder)], None

    def ready(self) -> bool:
        return bool(self.client().ping())

    def client(self):
        """A client of the redis package (the test extra)."""
        import redis

        return redis.Redis.from_url(self.url)
