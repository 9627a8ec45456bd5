"""Every user-facing string is extracted and translated into Chinese."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "app/translations/zh_Hans/LC_MESSAGES/messages.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def load_catalog():
    with PO.open("rb") as fh:
        return read_po(fh, locale="zh_Hans")


def test_every_message_has_a_chinese_translation() -> None:
    untranslated = [m.id for m in load_catalog() if m.id and (not m.string or m.fuzzy)]
    assert untranslated == []


def test_placeholders_survive_translation() -> None:
    def forms(text: str | tuple[str, ...]) -> tuple[str, ...]:
        return text if isinstance(text, tuple) else (text,)

    broken = [m.id for m in load_catalog() if m.id and any(
        sorted(PLACEHOLDER.findall(s)) != sorted(PLACEHOLDER.findall(forms(m.id)[-1])) for s in forms(m.string))]
    assert broken == []


def test_catalogue_is_up_to_date_with_the_sources(tmp_path: Path) -> None:
    """Strings added to the code or templates must be extracted (make extract-messages)."""
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", "babel.cfg",
         "-k", "_l", "-k", "lazy_gettext", "-o", str(pot), "app"],
        cwd=ROOT, check=True,
    )
    with pot.open("rb") as fh:
        extracted = {m.id for m in read_po(fh) if m.id}
    translated = {m.id for m in load_catalog() if m.id}
    assert sorted(extracted - translated) == []
