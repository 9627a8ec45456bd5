"""The photo pipeline on a 12 MP phone JPEG (4032×3024, EXIF orientation 6).

1. Server time: Ruwo's whole pipeline (visits.process: sha256, EXIF read, exif_transpose,
   resize to 2048 px, metadata-free JPEG, 320 px thumbnail) against Pillow's minimal pipeline
   to the same target (open → draft → exif_transpose → resize → save). Median of N runs each,
   in this process. Budget: ≤ 1.3× the minimal pipeline.
2. Peak memory: each pipeline once in a fresh subprocess, peak RSS (ru_maxrss) minus the
   RSS of the same subprocess before it ran. Budget: ≤ 150 MB.
3. Bytes from the phone: the file goes through the checklist page's photo input in Debian's
   Chromium (390×844), and the upload request's body is measured. Budget: ≤ 1/4 of the file.
   Skipped (said so) when Chromium or Playwright is absent.

    make bench-photos   [RUNS=15]
"""

from __future__ import annotations

import io
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image, ImageDraw, ImageFilter, ImageOps  # noqa: E402

from bench._server import record  # noqa: E402

RUNS = int(os.environ.get("RUNS", "15"))
TARGET = 2048


def phone_jpeg(path: Path) -> bytes:
    """A photo-like 4032×3024 JPEG (q92, orientation 6): shapes, gradients, sensor noise."""
    rng = random.Random(20261125)
    image = Image.linear_gradient("L").resize((4032, 3024)).convert("RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(400):
        x, y = rng.randrange(4032), rng.randrange(3024)
        w, h = rng.randrange(40, 900), rng.randrange(40, 700)
        colour = tuple(rng.randrange(256) for _ in range(3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)((x, y, x + w, y + h), fill=colour)
    image = image.filter(ImageFilter.GaussianBlur(3))
    noise = Image.effect_noise((4032, 3024), 24).convert("RGB")
    image = Image.blend(image, noise, 0.12)
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "BenchPhone"
    image.save(path, "JPEG", quality=92, exif=exif)
    return path.read_bytes()


def minimal(data: bytes) -> bytes:
    image = Image.open(io.BytesIO(data))
    image.draft("RGB", (TARGET, TARGET * 3 // 4))
    image = ImageOps.exif_transpose(image)
    scale = TARGET / max(image.size)
    image = image.resize((round(image.width * scale), round(image.height * scale)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def ruwo(data: bytes) -> bytes:
    from app.services import visits

    return visits.process(io.BytesIO(data)).image


def median_ms(function, data: bytes) -> float:
    function(data)  # warm up (imports, codecs)
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        function(data)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def run_once_and_report(which: str, path: str) -> None:
    """In a fresh process: reset the peak (clear_refs 5), run once, print peak growth in KB."""
    from app.services import visits  # noqa: F401  (imported first: only the run counts)

    data = Path(path).read_bytes()
    Path("/proc/self/clear_refs").write_text("5")
    before = _status_kb("VmRSS")
    {"minimal": minimal, "ruwo": ruwo}[which](data)
    print(_status_kb("VmHWM") - before)


def peak_mb(which: str, path: Path) -> float:
    code = ("import sys; sys.path.insert(0, %r); from bench.photo_pipeline import run_once_and_report;"
            "run_once_and_report(%r, %r)") % (str(ROOT), which, str(path))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return int(out.stdout.strip().splitlines()[-1]) / 1024


def browser_bytes(path: Path) -> tuple[int, int] | None:
    chromium = "/usr/bin/chromium"
    try:
        from playwright.sync_api import sync_playwright  # noqa: F401
    except ImportError:
        return None
    if not Path(chromium).exists():
        return None
    script = ROOT / "bench" / "_browser_upload.py"
    out = subprocess.run([sys.executable, str(script), str(path)], capture_output=True, text=True, cwd=ROOT)
    if out.returncode != 0:
        print(out.stdout, out.stderr, file=sys.stderr)
        return None
    data = json.loads(out.stdout.strip().splitlines()[-1])
    return data["uploaded"], data["original"]


def main() -> int:
    folder = Path(tempfile.mkdtemp())
    path = folder / "IMG_4032x3024_o6.jpg"
    data = phone_jpeg(path)
    print(f"input: {path.name}, {len(data):,} bytes, 4032×3024, EXIF orientation 6; {RUNS} runs each")
    base, ours = median_ms(minimal, data), median_ms(ruwo, data)
    ratio = ours / base
    print(f"time   minimal pipeline   {base:7.1f} ms (median)")
    print(f"time   Ruwo pipeline      {ours:7.1f} ms (median)  = {ratio:.2f}× the minimal  "
          f"{'ok' if ratio <= 1.3 else 'OVER'} (budget 1.3×)")
    mem_min, mem_ruwo = peak_mb("minimal", path), peak_mb("ruwo", path)
    print(f"memory minimal pipeline   {mem_min:7.1f} MB peak RSS growth")
    print(f"memory Ruwo pipeline      {mem_ruwo:7.1f} MB peak RSS growth  {'ok' if mem_ruwo <= 150 else 'OVER'} (budget 150 MB)")
    sent = browser_bytes(path)
    if sent is None:
        print("phone  skipped: needs Playwright and Debian's Chromium at /usr/bin/chromium")
        ok_bytes = True
    else:
        uploaded, original = sent
        ok_bytes = uploaded <= original / 4
        print(f"phone  uploaded {uploaded:,} of {original:,} bytes = 1/{original / uploaded:.1f}  "
              f"{'ok' if ok_bytes else 'OVER'} (budget 1/4)")
    record("photos", {"runs": RUNS, "minimal_ms": round(base, 1), "ruwo_ms": round(ours, 1), "ratio": round(ratio, 3),
                      "ratio_goal": 1.3, "peak_mb": round(mem_ruwo, 1), "peak_goal_mb": 150,
                      "phone_upload_bytes": sent[0] if sent else None, "phone_original_bytes": sent[1] if sent else None,
                      "pass": ratio <= 1.3 and mem_ruwo <= 150 and ok_bytes})
    return 0 if ratio <= 1.3 and mem_ruwo <= 150 and ok_bytes else 1


if __name__ == "__main__":
    raise SystemExit(main())
