"""The stored copy of a JPEG the phone already sized is never larger than the upload, and looks
the same (mean SSIM over 8×8 blocks ≥ 0.98 at 512 px; the fixtures measure ≥ 0.999)."""

from __future__ import annotations

import io
import random

import pytest
from PIL import Image, ImageDraw, ImageFilter

from app.services.visits.imaging import LONG_EDGE, process
from tests.photo_samples import FIXTURES


def ssim(a: Image.Image, b: Image.Image, block: int = 8) -> float:
    """Mean SSIM of the grey levels over ``block``-sized windows (no numpy needed)."""
    a, b = a.convert("L"), b.convert("L")
    width, height = a.size
    pa, pb = a.tobytes(), b.tobytes()
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    total = count = 0
    for y in range(0, height - block + 1, block):
        for x in range(0, width - block + 1, block):
            xs = [pa[(y + j) * width + x + i] for j in range(block) for i in range(block)]
            ys = [pb[(y + j) * width + x + i] for j in range(block) for i in range(block)]
            n = len(xs)
            ma, mb = sum(xs) / n, sum(ys) / n
            va = sum((v - ma) ** 2 for v in xs) / n
            vb = sum((v - mb) ** 2 for v in ys) / n
            cov = sum((p - ma) * (q - mb) for p, q in zip(xs, ys, strict=True)) / n
            total += ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2))
            count += 1
    return total / count


def phone_upload(image: Image.Image, quality: int) -> bytes:
    """What the phone's canvas sends: at most 2048 px, a plain JPEG at ``quality``."""
    image = image.convert("RGB")
    image.thumbnail((LONG_EDGE, LONG_EDGE))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def generated(seed: int) -> Image.Image:
    """A photo-like picture: gradients, shapes, text-like strokes and noise."""
    rng = random.Random(seed)
    image = Image.linear_gradient("L").resize((1600, 1200)).convert("RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(60):
        x, y = rng.randrange(1600), rng.randrange(1200)
        draw.rectangle((x, y, x + rng.randrange(20, 300), y + rng.randrange(20, 200)),
                       fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    for _ in range(200):
        x, y = rng.randrange(1600), rng.randrange(1200)
        draw.line((x, y, x + rng.randrange(-40, 40), y + rng.randrange(-40, 40)), fill=(20, 20, 20), width=2)
    noise = Image.effect_noise((1600, 1200), 24).convert("RGB")
    return Image.blend(image.filter(ImageFilter.GaussianBlur(1)), noise, 0.15)


def check(upload: bytes) -> None:
    result = process(io.BytesIO(upload))
    assert len(result.image) <= len(upload), (len(result.image), len(upload))
    sent = Image.open(io.BytesIO(upload)).convert("RGB")
    kept = Image.open(io.BytesIO(result.image)).convert("RGB")
    assert kept.size == sent.size
    size = (512, 512 * sent.height // sent.width)
    assert ssim(sent.resize(size), kept.resize(size)) >= 0.98


@pytest.mark.parametrize("quality", [95, 92, 85, 80, 70])
@pytest.mark.parametrize("seed", [1, 2])
def test_generated_phone_photos_are_kept_no_larger(seed, quality) -> None:
    check(phone_upload(generated(seed), quality))


REAL = sorted(p for p in FIXTURES.glob("*.jpg") if p.name != "corrupted.jpg") if FIXTURES.exists() else []


@pytest.mark.skipif(not REAL, reason="the shared phone photos are not beside this checkout")
@pytest.mark.parametrize("quality", [92, 80])
@pytest.mark.parametrize("path", REAL, ids=lambda p: p.name)
def test_real_phone_photos_are_kept_no_larger(path, quality) -> None:
    try:
        image = Image.open(path)
        image.load()
    except OSError:
        pytest.skip(f"{path.name} cannot be decoded")
    check(phone_upload(image, quality))


def test_a_photo_larger_than_2048_px_is_still_shrunk_and_re_encoded() -> None:
    big = generated(3).resize((3000, 2250))
    out = io.BytesIO()
    big.save(out, "JPEG", quality=95)
    result = process(io.BytesIO(out.getvalue()))
    assert max(result.width, result.height) == LONG_EDGE and len(result.image) < len(out.getvalue())
