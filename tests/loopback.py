"""A throwaway server process on loopback for the tests and benches (Redis, SeaweedFS): started
in its own session with its log in a folder, retried on other ports when a port was taken
meanwhile, ready once its probe answers, and stopped again (only it)."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path


class LoopbackServer:
    """Subclasses name their log, give the command for a fresh set of ports (``launch``, which
    also sets the address attributes) and say when they answer (``ready``)."""

    name = "server"
    log_name = "server.log"
    stop_timeout = 10.0
    poll_interval = 0.1

    def __init__(self, folder: Path, binary: str) -> None:
        self.folder, self.binary = folder, binary
        self.process: subprocess.Popen[bytes] | None = None

    def launch(self) -> tuple[list[str], dict[str, str] | None]:
        """The command line (and environment, or None for ours) on newly chosen ports."""
        raise NotImplementedError

    def ready(self) -> bool:
        """Whether the server answers (it is listening and serving)."""
        raise NotImplementedError

    def start(self, timeout: float = 20) -> LoopbackServer:
        """Start it and wait until it answers (tries other ports if the first were taken)."""
        for _attempt in range(3):
            command, env = self.launch()
            with (self.folder / self.log_name).open("ab") as log:
                self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,  # noqa: S603
                                                env=env, start_new_session=True)
            if self._wait(timeout):
                return self
            self.stop()
        raise RuntimeError(f"{self.name} did not start; see {self.folder / self.log_name}")

    def _wait(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                return False
            try:
                if self.ready():
                    return True
            except Exception:  # noqa: BLE001, S110 - not listening yet
                pass
            time.sleep(self.poll_interval)
        return False

    def stop(self) -> None:
        """Stop the server (and only it)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=self.stop_timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
