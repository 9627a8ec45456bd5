"""Writing .xlsx files the way every export does: streamed (openpyxl write-only), text kept as
text (a cell starting with = + - @ is never a formula, SECURITY.md §6.22), dates as dates, and
no personal name in the file's properties."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from io import BytesIO
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

DATE_FORMAT = "yyyy-mm-dd"
#: Text starting with these is a formula (or a trick) to a spreadsheet: always written as text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: Times in exports are China's.
CHINA = ZoneInfo("Asia/Shanghai")
HEADER_FILL = PatternFill("solid", fgColor="DDE3EA")
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")


def cell(sheet: WriteOnlyWorksheet, value: Any, *, fill: PatternFill | None = None, bold: bool = False,
         wrap: bool = False) -> WriteOnlyCell:
    """One cell: text stays text, a date is a date cell, None is empty."""
    if isinstance(value, datetime):
        value = value.date()
    out = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        out.data_type = "s"  # "=SUM(…)" typed by a user is text, never a formula
    if isinstance(value, date):
        out.number_format = DATE_FORMAT
    out.alignment = WRAP if wrap else TOP
    if fill is not None:
        out.fill = fill
    if bold:
        out.font = Font(bold=True)
    return out


class Sheet:
    """A write-only sheet with a title row, a frozen header row with an auto-filter, widths."""

    def __init__(self, book: Workbook, title: str, heading: str, columns: Sequence[tuple[str, int]]) -> None:
        self.sheet: WriteOnlyWorksheet = book.create_sheet(title=title[:31])
        for index, (_name, width) in enumerate(columns, start=1):
            self.sheet.column_dimensions[get_column_letter(index)].width = width
        last = get_column_letter(len(columns))
        self.sheet.freeze_panes = "A3"
        # Printed: landscape, as wide as the page, the header repeated on every page.
        self.sheet.page_setup.orientation = "landscape"
        self.sheet.page_setup.paperSize = "9"  # A4
        self.sheet.sheet_properties.pageSetUpPr.fitToPage = True
        self.sheet.page_setup.fitToWidth = 1
        self.sheet.page_setup.fitToHeight = 0
        self.sheet.print_title_rows = "2:2"
        self.sheet.auto_filter.ref = f"A2:{last}2"
        title_cell = WriteOnlyCell(self.sheet, value=heading)
        title_cell.data_type = "s"
        title_cell.font = Font(bold=True, size=14)
        self.sheet.append([title_cell])
        self.sheet.append([cell(self.sheet, name, fill=HEADER_FILL, bold=True, wrap=True) for name, _w in columns])
        self.rows = 0
        self.last = last

    def append(self, values: Iterable[Any], *, wrap: Sequence[bool] = (), fills: dict[int, PatternFill] | None = None
               ) -> None:
        """A row: plain values where no style is needed (the fast path), cells where one is, and
        always a text cell for text a spreadsheet would read as a formula."""
        row = []
        for index, value in enumerate(values):
            wrapped = index < len(wrap) and wrap[index]
            fill = (fills or {}).get(index)
            if wrapped or fill is not None or (isinstance(value, str) and value.startswith(FORMULA_START)):
                row.append(cell(self.sheet, value, wrap=wrapped, fill=fill))
            else:
                row.append(value.date() if isinstance(value, datetime) else value)
        self.sheet.append(row)
        self.rows += 1

    def finish(self) -> None:
        """Extend the auto-filter over the rows written."""
        self.sheet.auto_filter.ref = f"A2:{self.last}{self.rows + 2}"


def new_book() -> Workbook:
    """A write-only workbook whose properties name no person."""
    book = Workbook(write_only=True)
    book.properties.creator = "Ruwo"
    book.properties.lastModifiedBy = "Ruwo"
    return book


def to_bytes(book: Workbook) -> bytes:
    out = BytesIO()
    book.save(out)
    return out.getvalue()
