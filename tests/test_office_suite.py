"""A real office suite opens every export: LibreOffice converts each file to PDF and the text
reads back (poppler's pdftotext). Skipped where LibreOffice is absent; CI installs it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from app.extensions import db
from tests.conftest import require
from tests.factories import approved
from tests.test_campaign_views import started_campaign
from tests.test_visit_views import client_for


def test_libreoffice_opens_the_ledger_the_exports_and_the_documents(seeded, tmp_path: Path) -> None:
    soffice, pdftotext = shutil.which("soffice"), shutil.which("pdftotext")
    require(bool(soffice and pdftotext), "LibreOffice (soffice) and pdftotext are not installed")
    with seeded.app_context():
        approved({"attitude_score": 1}, extra=["房东户口本复印件"])
        db.session.commit()
    leader, unit = client_for(seeded, "leader"), client_for(seeded, "unit-market")
    cid = started_campaign(seeded, leader, "close")
    files = {"ledger.xlsx": leader.get("/issues/all/ledger.xlsx"), "visits.xlsx": leader.get("/archive/visits.xlsx"),
             "notice.docx": unit.get("/issues/notice.docx"), "circular.docx": leader.get(f"/campaigns/{cid}/circular.docx")}
    for name, response in files.items():
        assert response.status_code == 200, name
        (tmp_path / name).write_bytes(response.get_data())
    profile = tmp_path / "profile"
    subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), *(str(tmp_path / n) for n in files)],
                   check=True, capture_output=True, timeout=240)
    expected = {"ledger": ["整改台账", "多要材料", "县市场监督管理局"], "visits": ["服务场所", "县市场监督管理局"],
                "notice": ["关于暗访发现问题整改的通知", "县市场监督管理局", "多要材料"], "circular": ["通报"]}
    for stem, words in expected.items():
        pdf = tmp_path / f"{stem}.pdf"
        assert pdf.exists(), f"LibreOffice could not open {stem}"
        text = subprocess.run([pdftotext, str(pdf), "-"], check=True, capture_output=True, text=True).stdout
        for word in words:
            assert word in text.replace("\n", ""), (stem, word)
