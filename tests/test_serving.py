"""The server process's tuning (app/serving.py), in a fresh interpreter as gunicorn's worker
gets it by importing wsgi.py: start-up objects frozen, malloc's thresholds set on glibc."""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBE = """
import gc, json, wsgi
from app import serving
print(json.dumps({"frozen": gc.get_freeze_count(), "tracked": len(gc.get_objects()),
                  "applied": serving.tune_process()}))
"""


def test_wsgi_freezes_the_start_up_objects_and_sets_malloc_thresholds(tmp_path) -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={"PATH": "/usr/bin:/bin", "RUWO_INSTANCE_PATH": str(tmp_path)}).stdout
    figures = json.loads(out.strip().splitlines()[-1])
    assert figures["frozen"] > 100_000  # the app's modules, mappers and templates
    assert figures["tracked"] < figures["frozen"] / 10  # what a full collection still walks
    glibc = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"
    assert figures["applied"] == {"gc_frozen": True, "malloc_thresholds": glibc}
