"""Documents a county office sends out: the rectification ledger (整改台账) so far.

- ``xlsx``: streamed workbooks, text kept as text, no personal names in properties;
- ``ledger``: the ledger of a list of issues;
- ``visits_export``: visits and answers for analysts (.csv, .xlsx), one column per question.

Callers use the package (``reports.ledger_workbook(...)``), not its modules.
"""

from app.services.reports import visits_export
from app.services.reports.ledger import LedgerRow
from app.services.reports.ledger import rows as ledger_rows
from app.services.reports.ledger import workbook as ledger_workbook

__all__ = ["LedgerRow", "ledger_rows", "ledger_workbook", "visits_export"]
