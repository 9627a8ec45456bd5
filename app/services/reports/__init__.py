"""Documents a county office sends out: the rectification ledger (整改台账) so far.

- ``xlsx``: streamed workbooks, text kept as text, no personal names in properties;
- ``ledger``: the ledger of a list of issues;
- ``official``: 整改通知 to a unit and 通报 of a campaign, .docx in 公文 layout (``gongwen``),
  headed with the office's particulars and numbers from ``office``;
- ``visits_export``: visits and answers for analysts (.csv, .xlsx), one column per question.

Callers use the package (``reports.ledger_workbook(...)``), not its modules.
"""

from app.services.reports import office, visits_export
from app.services.reports.ledger import LedgerRow
from app.services.reports.ledger import rows as ledger_rows
from app.services.reports.ledger import workbook as ledger_workbook
from app.services.reports.official import circular, rectification_notice

__all__ = ["LedgerRow", "circular", "ledger_rows", "ledger_workbook", "office", "rectification_notice",
           "visits_export"]
