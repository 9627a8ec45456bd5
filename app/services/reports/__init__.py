"""Documents a county office sends out: the rectification ledger (整改台账) so far.

- ``xlsx``: streamed workbooks, text kept as text, no personal names in properties;
- ``ledger``: the ledger of a list of issues;
- ``official``: 整改通知 to a unit; ``circulars``: 通报 of a campaign or of a period, with
  thumbnails of the visits' photos (``thumbnails``); .docx in 公文 layout (``gongwen``),
  headed with the office's particulars from ``office`` and the 发文字号 recorded in the
  register (``numbers``); the same as PDF (``pdf``, where ``pdf_available()``);
- ``visits_export``: visits and answers for analysts (.csv, .xlsx), one column per question.

Callers use the package (``reports.ledger_workbook(...)``), not its modules.
"""

from app.services.reports import numbers, office, visits_export
from app.services.reports.circulars import (
    Period,
    circular,
    circular_pdf,
    period,
    period_circular,
    period_circular_pdf,
)
from app.services.reports.ledger import LedgerRow
from app.services.reports.ledger import rows as ledger_rows
from app.services.reports.ledger import workbook as ledger_workbook
from app.services.reports.official import rectification_notice, rectification_notice_pdf
from app.services.reports.pdf import available as pdf_available

__all__ = ["LedgerRow", "Period", "circular", "circular_pdf", "ledger_rows", "ledger_workbook", "numbers",
           "office", "pdf_available", "period", "period_circular", "period_circular_pdf", "rectification_notice",
           "rectification_notice_pdf", "visits_export"]
