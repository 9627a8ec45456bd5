"""Settings for a long-lived server process (gunicorn's workers), applied once by ``wsgi.py``
after the app is built. Both were measured on the photo upload under gunicorn (2 sync workers):

- ``gc.freeze()``: the ~260,000 objects made at start-up (modules, mappers, compiled templates)
  leave the collector's reach, so a full collection walks only what requests made since; one
  full collection cost 108 ms, roughly every 30 uploads.
- glibc's malloc keeps up to 64 MB of freed memory and serves blocks up to 32 MB from its heap:
  a photo's decoded pixels (12.6 MB at 2048 px, in Pillow's 16 MB blocks) and their copies were
  otherwise mapped and unmapped on every upload, 8,200 page faults each; an upload's CPU time
  went from 45 to 36 ms. A worker keeps at most that much memory it is not using.
"""

from __future__ import annotations

import ctypes
import gc
import platform

#: mallopt(3) parameters and the values set.
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
TRIM_THRESHOLD = 64 * 1024 * 1024
MMAP_THRESHOLD = 32 * 1024 * 1024


def tune_process() -> dict[str, bool]:
    """Freeze the start-up objects and set malloc's thresholds (glibc only); what was applied."""
    gc.collect()
    gc.freeze()
    malloc = False
    if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
        libc = ctypes.CDLL(None)
        malloc = bool(libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
            libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    return {"gc_frozen": True, "malloc_thresholds": malloc}
