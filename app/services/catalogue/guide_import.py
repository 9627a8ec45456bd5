"""Import of service guides from .xlsx or .csv (docs/guide-import.md): the whole file or nothing.

The file is read within bounds (size, rows, columns, cells, what an .xlsx unpacks to), its
rows are grouped by item code, and every guide goes through the same ``validate`` and
``save_guide`` as the admin form; a problem is named by row and column.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models import ServiceItem, User
from app.services import audit
from app.services.catalogue.guides import GuideData, MaterialData, Problem, save_guide, validate
from app.services.errors import ServiceError
from app.services.text import unstorable

MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_IMPORT_ROWS = 5000
#: An .xlsx is a zip: what its parts may unpack to (as the archive declares; reading stops there).
MAX_IMPORT_UNPACKED = 32 * 1024 * 1024
MAX_IMPORT_PARTS = 200
#: Columns read from each row, and the longest cell (longer than any column it goes to).
MAX_IMPORT_COLUMNS = 40
MAX_CELL_CHARS = 2000

#: Column key -> accepted headers (Chinese and English); see docs/guide-import.md.
COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("事项编码", "item_code"),
    "name": ("事项名称", "item_name"),
    "unit_code": ("实施单位代码", "unit_code"),
    "promised_days": ("承诺时限", "承诺时限(工作日)", "promised_days"),
    "statutory_days": ("法定时限", "法定时限(工作日)", "statutory_days"),
    "fee_rule": ("收费说明", "fee_rule"),
    "fees": ("收费项目", "fees"),
    "max_trips": ("最多跑动次数", "max_trips"),
    "online_available": ("可网办", "online_available"),
    "one_thing_package": ("一件事", "one_thing_package"),
    "guide_url": ("办事指南链接", "guide_url"),
    "scenarios": ("情形", "scenarios"),
    "material": ("材料名称", "material"),
    "condition": ("何时需要", "condition"),
    "obtainable_by_sharing": ("可共享获取", "obtainable_by_sharing"),
    "abolished": ("已取消", "abolished"),
}
REQUIRED_COLUMNS = ("code", "name", "unit_code", "promised_days")
ITEM_COLUMNS = ("name", "unit_code", "promised_days", "statutory_days", "fee_rule", "fees",
                "max_trips", "online_available", "one_thing_package", "guide_url", "scenarios")
TRUE_WORDS = {"是", "y", "yes", "true", "1", "√", "✓", "有"}
FALSE_WORDS = {"否", "n", "no", "false", "0", "×", "无", ""}
_LIST_SPLIT = re.compile(r"[；;\n]+")
_FEE = re.compile(r"^(.+?)\s*[=:：]\s*(\d+(?:\.\d{1,2})?)\s*元?$")


@dataclass(frozen=True)
class RowError:
    """A problem in an import file, named by row (as the spreadsheet numbers it) and column."""

    row: int
    column: str
    message: object


class ImportFailed(ServiceError):
    """The file was refused; nothing of it was imported."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("; ".join(f"{e.row}/{e.column}: {e.message}" for e in errors[:5]))
        self.errors = errors


@dataclass
class ImportResult:
    """What an import did."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)


def _normalise_header(text: object) -> str:
    value = str(text or "").strip().lower().replace("（", "(").replace("）", ")")
    return re.sub(r"\s+", "", value)


_HEADER_LOOKUP = {_normalise_header(h): key for key, names in COLUMNS.items() for h in names}


def read_table(filename: str, content: bytes) -> list[list[str]]:
    """The rows of an uploaded .xlsx (first sheet) or .csv (UTF-8 or GB18030) as text."""
    if len(content) > MAX_IMPORT_BYTES:
        raise ImportFailed([RowError(0, "", _l("The file is larger than 2 MB."))])
    lower = filename.lower()
    if lower.endswith(".xlsx"):
        return _read_xlsx(content)
    if lower.endswith(".csv"):
        return _read_csv(content)
    raise ImportFailed([RowError(0, "", _l("Upload an .xlsx or .csv file."))])


def _check_zip(content: bytes) -> None:
    """Refuse, before any XML is parsed, an .xlsx that unpacks to more than the bound."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ImportFailed([RowError(0, "", _l("This is not a readable .xlsx file."))]) from exc
    if len(parts) > MAX_IMPORT_PARTS or sum(p.file_size for p in parts) > MAX_IMPORT_UNPACKED:
        raise ImportFailed([RowError(0, "", _l("The file unpacks to more than %(n)d MB: it cannot be a guide table.",
                                               n=MAX_IMPORT_UNPACKED // (1024 * 1024)))])


def _read_xlsx(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    _check_zip(content)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - zip, XML and openpyxl errors alike: not a readable file
        raise ImportFailed([RowError(0, "", _l("This is not a readable .xlsx file."))]) from exc
    try:
        sheet = workbook.worksheets[0]
        rows = []
        for index, values in enumerate(sheet.iter_rows(max_col=MAX_IMPORT_COLUMNS, values_only=True)):
            if index > MAX_IMPORT_ROWS:
                raise ImportFailed([RowError(index + 1, "", _too_many_rows())])
            rows.append([_cell_text(v) for v in values])
        return _bounded_cells(rows)
    except ImportFailed:
        raise
    except Exception as exc:  # noqa: BLE001 - a broken sheet inside a valid zip
        raise ImportFailed([RowError(0, "", _l("This is not a readable .xlsx file."))]) from exc
    finally:
        workbook.close()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_csv(content: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte sequence that reaches it
        raise ImportFailed([RowError(0, "", _l("The file is neither UTF-8 nor GB18030 text."))])
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        rows = [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text), dialect)]
    except csv.Error as exc:
        raise ImportFailed([RowError(0, "", _l("This .csv file cannot be read: %(why)s", why=str(exc)))]) from exc
    if len(rows) > MAX_IMPORT_ROWS + 1:
        raise ImportFailed([RowError(MAX_IMPORT_ROWS + 2, "", _too_many_rows())])
    return _bounded_cells([row[:MAX_IMPORT_COLUMNS] for row in rows])


def _too_many_rows() -> object:
    return _l("The file has more than %(n)d rows.", n=MAX_IMPORT_ROWS)


def _bounded_cells(rows: list[list[str]]) -> list[list[str]]:
    """Refuse cells longer than any column takes, and text no database stores."""
    errors = [RowError(number, str(column), _l("This cell has more than %(n)d characters.", n=MAX_CELL_CHARS))
              for number, row in enumerate(rows, start=1) for column, cell in enumerate(row, start=1)
              if len(cell) > MAX_CELL_CHARS]
    errors += [RowError(number, str(column), _l("This cell holds characters that cannot be stored."))
               for number, row in enumerate(rows, start=1) for column, cell in enumerate(row, start=1)
               if unstorable(cell)]
    if errors:
        raise ImportFailed(errors[:50])
    return rows


def parse_guides(rows: list[list[str]]) -> list[tuple[int, GuideData]]:
    """Turn table rows into one GuideData per item code; raise ImportFailed naming every bad cell.

    One row per material; the rows of an item share its code, and the item's own columns
    are given on its first row (later rows leave them blank or repeat them).
    """
    if not rows:
        raise ImportFailed([RowError(1, "", _l("The file is empty."))])
    header = _read_header(rows[0])
    errors: list[RowError] = []
    groups = _group_rows(rows[1:], header, errors)
    guides = _build_guides(groups, header, errors)
    if errors:
        raise ImportFailed(sorted(errors, key=lambda e: e.row))
    return guides


@dataclass(frozen=True)
class _Header:
    """The first row of a file: the column of each key, and its title as the file spells it."""

    titles: list[str]
    columns: dict[str, int]

    def label(self, key: str) -> str:
        """The title of ``key``'s column, as the file spells it."""
        return str(self.titles[self.columns[key]]).strip()


def _read_header(titles: list[str]) -> _Header:
    """Which column holds which key; ImportFailed for unknown columns and missing required ones."""
    columns: dict[str, int] = {}
    errors: list[RowError] = []
    for index, title in enumerate(titles):
        key = _HEADER_LOOKUP.get(_normalise_header(title))
        if key and key not in columns:
            columns[key] = index
        elif str(title).strip():
            errors.append(RowError(1, str(title), _l("Unknown column.")))
    for key in REQUIRED_COLUMNS:
        if key not in columns:
            errors.append(RowError(1, COLUMNS[key][0], _l("This column is required.")))
    if errors:
        raise ImportFailed(errors)
    return _Header(titles, columns)


def _group_rows(rows: list[list[str]], header: _Header, errors: list[RowError]) -> dict[str, dict]:
    """The rows (numbered from 2) grouped by item code: first row, item cells and materials."""
    groups: dict[str, dict] = {}
    for number, row in enumerate(rows, start=2):
        cells = {key: (row[i].strip() if i < len(row) else "") for key, i in header.columns.items()}
        if not any(cells.values()):
            continue
        code = cells["code"].lower()
        if not code:
            errors.append(RowError(number, header.label("code"), _l("Enter the item code.")))
            continue
        group = groups.setdefault(code, {"row": number, "cells": {}, "materials": []})
        errors += _merge_item_cells(group, cells, code, number, header)
        errors += _add_material(group, cells, number, header)
    return groups


def _merge_item_cells(group: dict, cells: dict[str, str], code: str, number: int,
                      header: _Header) -> list[RowError]:
    """Keep the item's cells from the first row giving them; a later row may only repeat them."""
    errors = []
    for key in ITEM_COLUMNS:
        if key not in header.columns or not cells[key]:
            continue
        earlier = group["cells"].get(key)
        if earlier is not None and earlier != cells[key]:
            errors.append(RowError(number, header.label(key), _l(
                "Differs from an earlier row of item %(code)s.", code=code)))
        group["cells"].setdefault(key, cells[key])
    return errors


def _add_material(group: dict, cells: dict[str, str], number: int,
                  header: _Header) -> list[RowError]:
    """The row's material, if it names one; details without a material are an error."""
    errors = []
    if cells.get("material"):
        flags = {}
        for key in ("obtainable_by_sharing", "abolished"):
            value = _parse_bool(cells.get(key, ""))
            if value is None:
                errors.append(RowError(number, header.label(key), _l("Write 是 or 否.")))
            flags[key] = bool(value)
        group["materials"].append((number, MaterialData(
            cells["material"], cells.get("condition", ""), **flags)))
    elif cells.get("condition") or _parse_bool(cells.get("abolished", "")) or _parse_bool(
            cells.get("obtainable_by_sharing", "")):
        column = header.label("material") if "material" in header.columns else COLUMNS["material"][0]
        errors.append(RowError(number, column, _l("Enter the material these details belong to.")))
    return errors


def _build_guides(groups: dict[str, dict], header: _Header,
                  errors: list[RowError]) -> list[tuple[int, GuideData]]:
    """A GuideData per group whose cells can be read, checked by ``validate`` (errors by cell)."""
    guides = []
    for code, group in groups.items():
        data, cell_errors = _guide_from_cells(code, group, header.label)
        errors += [RowError(group["row"], col, msg) for col, msg in cell_errors]
        if data is None:
            continue
        item = db.session.scalar(sa.select(ServiceItem).where(ServiceItem.code == code))
        errors += [_locate(problem, group, header) for problem in validate(data, item)]
        guides.append((group["row"], data))
    return guides


def _locate(problem: Problem, group: dict, header: _Header) -> RowError:
    """A guide's problem at its cell: a material's on its own row, the item's on its first."""
    if problem.field == "materials" and problem.index is not None:
        row = group["materials"][problem.index][0]
        return RowError(row, header.label("material"), problem.message)
    column = header.label(problem.field) if problem.field in header.columns else problem.field
    return RowError(group["row"], column, problem.message)


def _guide_from_cells(code: str, group: dict, label: Callable[[str], str],
                      ) -> tuple[GuideData | None, list[tuple[str, object]]]:
    cells = group["cells"]
    errors: list[tuple[str, object]] = []

    def days(key: str) -> Decimal | None:
        text = cells.get(key, "")
        if not text:
            return None
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = None
        if value is not None and value.is_finite():
            return value
        errors.append((label(key), _l("Write a number of working days, e.g. 0.5 or 3.")))
        return None

    promised, statutory = days("promised_days"), days("statutory_days")
    max_trips = 1
    if cells.get("max_trips"):
        if cells["max_trips"].isdigit():
            max_trips = int(cells["max_trips"])
        else:
            errors.append((label("max_trips"), _l("Write a whole number.")))
    online = _parse_bool(cells.get("online_available", ""))
    if online is None:
        errors.append((label("online_available"), _l("Write 是 or 否.")))
    fees = []
    for part in _split_list(cells.get("fees", "")):
        match = _FEE.match(part)
        if match:
            fees.append((match.group(1).strip(), Decimal(match.group(2))))
        else:
            errors.append((label("fees"), _l("Write fees as 名称=金额, e.g. 住宅登记费=80.")))
    scenarios = []
    for part in _split_list(cells.get("scenarios", "")):
        name, _, description = part.replace("：", ":").partition(":")
        scenarios.append((name.strip(), description.strip()))
    if errors:
        return None, errors
    return GuideData(
        code=code, name=cells.get("name", ""), unit_code=cells.get("unit_code", ""),
        promised_days=promised, statutory_days=statutory, fee_rule=cells.get("fee_rule", ""),
        max_trips=max_trips, online_available=bool(online),
        one_thing_package=cells.get("one_thing_package", ""), guide_url=cells.get("guide_url", ""),
        materials=tuple(m for _row, m in group["materials"]), scenarios=tuple(scenarios),
        fees=tuple(fees),
    ), []


def _split_list(text: str) -> list[str]:
    return [part.strip() for part in _LIST_SPLIT.split(text or "") if part.strip()]


def _parse_bool(text: str) -> bool | None:
    value = (text or "").strip().lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    return None


def import_guides(filename: str, content: bytes, *, actor: User | None = None) -> ImportResult:
    """Import a whole file or nothing: create new items, update those whose code exists."""
    return import_rows(filename, read_table(filename, content), actor=actor)


def import_rows(filename: str, rows: list[list[str]], *, actor: User | None = None) -> ImportResult:
    """Import the rows ``read_table`` gave (all or nothing)."""
    guides = parse_guides(rows)
    result = ImportResult()
    for _row, data in guides:
        item = db.session.scalar(sa.select(ServiceItem).where(ServiceItem.code == data.code))
        save_guide(data, item, actor=actor)
        (result.updated if item else result.created).append(data.code)
    audit.record("service_item.import", actor=actor, object_type="file", detail=(
        f"{filename}: {len(result.created)} created, {len(result.updated)} updated")[:500])
    return result
