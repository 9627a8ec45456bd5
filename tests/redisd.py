"""A throwaway Redis (Debian's ``redis-server``) on a free loopback port, without persistence:
the shared store of several app servers (login rate limit, job queue) in the tests."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

REDIS_SERVER = "/usr/bin/redis-server"


def redis_binary() -> str | None:
    """Debian's redis-server, else one on PATH."""
    return REDIS_SERVER if Path(REDIS_SERVER).exists() else shutil.which("redis-server")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """One ``redis-server`` in the foreground, its files in ``folder``; ``url`` points at it."""

    def __init__(self, folder: Path, binary: str) -> None:
        self.folder, self.binary = folder, binary
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""

    def start(self, timeout: float = 20) -> RedisServer:
        """Start it and wait until it answers PING (tries another port if the first was taken)."""
        for _attempt in range(3):
            port = _free_port()
            log = (self.folder / "redis.log").open("ab")
            self.process = subprocess.Popen(  # noqa: S603 - fixed arguments
                [self.binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                 "--daemonize", "no", "--dir", str(self.folder)],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            log.close()
            self.url = f"redis://127.0.0.1:{port}/0"
            if self._wait(timeout):
                return self
            self.stop()
        raise RuntimeError(f"redis-server did not start; see {self.folder / 'redis.log'}")

    def client(self):
        """A client of the redis package (the test extra)."""
        import redis

        return redis.Redis.from_url(self.url)

    def _wait(self, timeout: float) -> bool:
        client = self.client()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                return False
            try:
                if client.ping():
                    return True
            except Exception:  # noqa: BLE001 - not listening yet
                time.sleep(0.1)
        return False

    def stop(self) -> None:
        """Stop the server (and only it)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
