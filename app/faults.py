"""A test-only fault point: kill this worker process right after a commit, before the response.

The crash test (tests/test_crash.py) turns it on with RUWO_FAULT_KILL_AFTER_COMMIT=visit.submit,
so that a phone sees its submit fail although the server kept it, sends it again, and the
answer must come from the idempotent path. Off unless FAULT_KILL_AFTER_COMMIT names the point
(config.py), and never under the production configuration; the check costs a dictionary lookup.
"""

from __future__ import annotations

import itertools
import os
import signal
from pathlib import Path

from flask import current_app

_passes = itertools.count(1)


def after_commit(point: str, subject: str) -> None:
    """At ``point`` (e.g. "visit.submit"), every FAULT_KILL_EVERY-th pass in this process: note
    ``subject`` in instance/faults.log and SIGKILL the process (no response, no clean-up)."""
    if current_app.config.get("FAULT_KILL_AFTER_COMMIT") != point or current_app.config["ENV_NAME"] == "production":
        return
    if next(_passes) % max(1, int(current_app.config.get("FAULT_KILL_EVERY", 5))):
        return
    with (Path(current_app.instance_path) / "faults.log").open("a") as log:
        log.write(f"{point} {subject}\n")
        log.flush()
        os.fsync(log.fileno())
    os.kill(os.getpid(), signal.SIGKILL)
