"""Service items and their official guides (办事指南): validation, saving and file import.

One rule in one place: the admin form and the import both build a ``GuideData`` and go
through ``validate`` and ``save_guide``.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import InstrumentedAttribute

from app.extensions import db
from app.models import RequiredMaterial, Scenario, ServiceFee, ServiceItem, Unit, User
from app.models.base import max_length
from app.services import audit
from app.services.catalogue import CODE_RE
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


@dataclass(frozen=True)
class MaterialData:
    """One required material of a guide."""

    name: str
    condition: str = ""
    obtainable_by_sharing: bool = False
    abolished: bool = False


@dataclass(frozen=True)
class GuideData:
    """A service item with its guide, as the admin form or an import row group gives it."""

    code: str
    name: str
    unit_code: str
    promised_days: Decimal | None
    statutory_days: Decimal | None = None
    fee_rule: str = ""
    max_trips: int = 1
    online_available: bool = False
    one_thing_package: str = ""
    guide_url: str = ""
    materials: tuple[MaterialData, ...] = ()
    scenarios: tuple[tuple[str, str], ...] = ()
    fees: tuple[tuple[str, Decimal], ...] = ()


@dataclass
class Problem:
    """One thing wrong with guide data: the field it concerns and a message for the user."""

    field: str
    message: object
    #: For materials, scenarios and fees: which one (0-based), else None.
    index: int | None = None


class GuideInvalid(ServiceError):
    """Guide data broke one or more rules."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(" ".join(str(p.message) for p in problems), field=problems[0].field)
        self.problems = problems


def validate(data: GuideData, item: ServiceItem | None = None) -> list[Problem]:
    """Every rule ``data`` breaks (empty when it can be saved)."""
    problems: list[Problem] = []
    code = data.code.strip().lower()
    if not CODE_RE.match(code):
        problems.append(Problem("code", _l("Codes are 2-32 characters: lower-case letters, "
                                           "digits and '-', starting with a letter.")))
    else:
        clash = sa.select(ServiceItem.id).where(ServiceItem.code == code)
        if item is not None:
            clash = clash.where(ServiceItem.id != item.id)
        if db.session.scalar(clash) is not None:
            problems.append(Problem("code", _l("Another service item has the code %(code)s.", code=code)))
    if not data.name.strip():
        problems.append(Problem("name", _l("Enter a name.")))
    unit = db.session.scalar(sa.select(Unit).where(Unit.code == data.unit_code.strip().lower()))
    if unit is None or (not unit.active and (item is None or item.unit_id != unit.id)):
        problems.append(Problem("unit_code", _l("No active unit has the code %(code)s.", code=data.unit_code)))
    if data.promised_days is None:
        problems.append(Problem("promised_days", _l("Enter the promised time limit in working days.")))
    elif not _sensible_days(data.promised_days):
        problems.append(Problem("promised_days", _l("Working days are 0 or more, with at most one decimal.")))
    if data.statutory_days is not None:
        if not _sensible_days(data.statutory_days):
            problems.append(Problem("statutory_days", _l("Working days are 0 or more, with at most one decimal.")))
        elif data.promised_days is not None and data.statutory_days < data.promised_days:
            problems.append(Problem("statutory_days", _l("The statutory limit cannot be shorter than the promised one.")))
    if not 0 <= data.max_trips <= 20:
        problems.append(Problem("max_trips", _l("The number of trips must be between 0 and 20.")))
    if data.guide_url and not re.match(r"^https?://\S+$", data.guide_url.strip()):
        problems.append(Problem("guide_url", _l("Enter a web address starting with http:// or https://.")))
    problems += _too_long(data)
    problems += _duplicates("materials", [m.name for m in data.materials])
    problems += _duplicates("scenarios", [s[0] for s in data.scenarios])
    problems += _duplicates("fees", [f[0] for f in data.fees])
    for index, (_name, amount) in enumerate(data.fees):
        if not amount.is_finite() or amount < 0 or amount > 10**7:
            problems.append(Problem("fees", _l("Fees cannot be negative."), index))
    for index, material in enumerate(data.materials):
        if material.abolished and material.obtainable_by_sharing:
            problems.append(Problem("materials", _l(
                "A material is either abolished or obtainable by sharing, not both."), index))
    return problems


def _too_long(data: GuideData) -> list[Problem]:
    """Values longer than their columns (the lengths are the models')."""
    values: list[tuple[str, str, InstrumentedAttribute, int | None]] = [
        ("name", data.name, ServiceItem.name, None), ("fee_rule", data.fee_rule, ServiceItem.fee_rule, None),
        ("one_thing_package", data.one_thing_package, ServiceItem.one_thing_package, None),
        ("guide_url", data.guide_url, ServiceItem.guide_url, None)]
    for index, material in enumerate(data.materials):
        values += [("materials", material.name, RequiredMaterial.name, index),
                   ("materials", material.condition, RequiredMaterial.condition, index)]
    for index, (name, description) in enumerate(data.scenarios):
        values += [("scenarios", name, Scenario.name, index), ("scenarios", description, Scenario.description, index)]
    values += [("fees", name, ServiceFee.name, index) for index, (name, _amount) in enumerate(data.fees)]
    problems = []
    for field_name, value, column, index in values:
        limit = max_length(column)
        if len((value or "").strip()) > limit:
            problems.append(Problem(field_name, _l("Use at most %(n)d characters.", n=limit), index))
    return problems


def _sensible_days(days: Decimal) -> bool:
    """0 to 999 working days with at most one decimal (no NaN, infinity or 1e40)."""
    return days.is_finite() and 0 <= days <= 999 and days == days.quantize(Decimal("0.1"))


def _duplicates(field_name: str, names: Sequence[str]) -> list[Problem]:
    seen: set[str] = set()
    problems = []
    for index, name in enumerate(names):
        key = name.strip()
        if not key:
            problems.append(Problem(field_name, _l("Enter a name."), index))
        elif key in seen:
            problems.append(Problem(field_name, _l("%(name)s is listed twice.", name=key), index))
        seen.add(key)
    return problems


def save_guide(data: GuideData, item: ServiceItem | None = None, *, actor: User | None = None) -> ServiceItem:
    """Create or update a service item and replace its materials, scenarios and fees."""
    problems = validate(data, item)
    if problems:
        raise GuideInvalid(problems)
    created = item is None
    item = item or ServiceItem()
    item.code = data.code.strip().lower()
    item.name = data.name.strip()
    item.unit = db.session.scalar(sa.select(Unit).where(Unit.code == data.unit_code.strip().lower()))
    item.promised_days = data.promised_days
    item.statutory_days = data.statutory_days
    item.fee_rule = data.fee_rule.strip()
    item.max_trips = data.max_trips
    item.online_available = data.online_available
    item.one_thing_package = data.one_thing_package.strip() or None
    item.guide_url = data.guide_url.strip() or None
    _sync_materials(item, data.materials)
    _sync_named(item.scenarios, Scenario, [(n.strip(), {"description": d.strip()}) for n, d in data.scenarios])
    _sync_named(item.fees, ServiceFee, [(n.strip(), {"amount_yuan": a}) for n, a in data.fees])
    db.session.add(item)
    db.session.flush()
    audit.record("service_item.create" if created else "service_item.update", actor=actor,
                 object_type="service_item", object_id=item.id, detail=item.code)
    return item


def _sync_materials(item: ServiceItem, materials: Iterable[MaterialData]) -> None:
    rows = [(m.name.strip(), {"condition": m.condition.strip() or None,
                              "obtainable_by_sharing": m.obtainable_by_sharing,
                              "abolished": m.abolished}) for m in materials]
    _sync_named(item.materials, RequiredMaterial, rows)


def _sync_named(collection: list, model: type, rows: list[tuple[str, dict]]) -> None:
    """Make ``collection`` hold exactly ``rows`` (keyed on name), updating rows in place."""
    existing = {row.name: row for row in collection}
    wanted = []
    for position, (name, values) in enumerate(rows):
        row = existing.pop(name, None) or model(name=name)
        for key, value in values.items():
            setattr(row, key, value)
        if hasattr(row, "position"):
            row.position = position
        wanted.append(row)
    collection[:] = wanted


# --- Import from .xlsx / .csv ----------------------------------------------------------------

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
                raise ImportFailed([RowError(index + 1, "", _l("The file has more than %(n)d rows.", n=MAX_IMPORT_ROWS))])
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
        raise ImportFailed([RowError(MAX_IMPORT_ROWS + 2, "", _l("The file has more than %(n)d rows.", n=MAX_IMPORT_ROWS))])
    return _bounded_cells([row[:MAX_IMPORT_COLUMNS] for row in rows])


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
    header = rows[0]
    columns: dict[str, int] = {}
    errors: list[RowError] = []
    for index, title in enumerate(header):
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

    def label(key: str) -> str:
        return str(header[columns[key]]).strip()

    groups: dict[str, dict] = {}
    for number, row in enumerate(rows[1:], start=2):
        cells = {key: (row[i].strip() if i < len(row) else "") for key, i in columns.items()}
        if not any(cells.values()):
            continue
        code = cells["code"].lower()
        if not code:
            errors.append(RowError(number, label("code"), _l("Enter the item code.")))
            continue
        group = groups.setdefault(code, {"row": number, "cells": {}, "materials": []})
        for key in ITEM_COLUMNS:
            if key not in columns or not cells[key]:
                continue
            earlier = group["cells"].get(key)
            if earlier is not None and earlier != cells[key]:
                errors.append(RowError(number, label(key), _l(
                    "Differs from an earlier row of item %(code)s.", code=code)))
            group["cells"].setdefault(key, cells[key])
        if cells.get("material"):
            flags = {}
            for key in ("obtainable_by_sharing", "abolished"):
                value = _parse_bool(cells.get(key, ""))
                if value is None:
                    errors.append(RowError(number, label(key), _l("Write 是 or 否.")))
                flags[key] = bool(value)
            group["materials"].append((number, MaterialData(
                cells["material"], cells.get("condition", ""), **flags)))
        elif cells.get("condition") or _parse_bool(cells.get("abolished", "")) or _parse_bool(
                cells.get("obtainable_by_sharing", "")):
            errors.append(RowError(number, label("material") if "material" in columns else COLUMNS["material"][0],
                                   _l("Enter the material these details belong to.")))

    guides = []
    for code, group in groups.items():
        data, cell_errors = _guide_from_cells(code, group, label)
        errors += [RowError(group["row"], col, msg) for col, msg in cell_errors]
        if data is None:
            continue
        item = db.session.scalar(sa.select(ServiceItem).where(ServiceItem.code == code))
        for problem in validate(data, item):
            row = group["row"]
            column = label(problem.field) if problem.field in columns else problem.field
            if problem.field == "materials" and problem.index is not None:
                row = group["materials"][problem.index][0]
                column = label("material")
            elif problem.field in ("scenarios", "fees") and problem.field in columns:
                column = label(problem.field)
            errors.append(RowError(row, column, problem.message))
        guides.append((group["row"], data))
    if errors:
        raise ImportFailed(sorted(errors, key=lambda e: e.row))
    return guides


def _guide_from_cells(code: str, group: dict, label) -> tuple[GuideData | None, list[tuple[str, object]]]:  # type: ignore[no-untyped-def]
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
