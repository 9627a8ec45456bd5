"""Service items and their official guides (办事指南): validation and saving.

One rule in one place: the admin form and the import both build a ``GuideData`` and go
through ``validate`` and ``save_guide``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import cast

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import InstrumentedAttribute

from app.extensions import db
from app.models import RequiredMaterial, Scenario, ServiceFee, ServiceItem, Unit, User
from app.models.base import max_length
from app.services import audit
from app.services.catalogue.entries import CODE_RE
from app.services.errors import ServiceError


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
    return [
        *_code_problems(data.code, item),
        *_name_and_unit_problems(data, item),
        *_days_problems(data.promised_days, data.statutory_days),
        *_trips_and_url_problems(data),
        *_too_long(data),
        *_duplicates("materials", [m.name for m in data.materials]),
        *_duplicates("scenarios", [s[0] for s in data.scenarios]),
        *_duplicates("fees", [f[0] for f in data.fees]),
        *_fee_problems(data.fees),
        *_material_problems(data.materials),
    ]


def _code_problems(text: str, item: ServiceItem | None) -> list[Problem]:
    """The code is well formed and no other item has it."""
    code = text.strip().lower()
    if not CODE_RE.match(code):
        return [Problem("code", _l("Codes are 2-32 characters: lower-case letters, "
                                   "digits and '-', starting with a letter."))]
    clash = sa.select(ServiceItem.id).where(ServiceItem.code == code)
    if item is not None:
        clash = clash.where(ServiceItem.id != item.id)
    if db.session.scalar(clash) is not None:
        return [Problem("code", _l("Another service item has the code %(code)s.", code=code))]
    return []


def _name_and_unit_problems(data: GuideData, item: ServiceItem | None) -> list[Problem]:
    """A name, and an active unit (or the item's own, even if it was deactivated since)."""
    problems: list[Problem] = []
    if not data.name.strip():
        problems.append(Problem("name", _l("Enter a name.")))
    unit = db.session.scalar(sa.select(Unit).where(Unit.code == data.unit_code.strip().lower()))
    if unit is None or (not unit.active and (item is None or item.unit_id != unit.id)):
        problems.append(Problem("unit_code", _l("No active unit has the code %(code)s.", code=data.unit_code)))
    return problems


def _days_problems(promised: Decimal | None, statutory: Decimal | None) -> list[Problem]:
    """The promised time limit is given; both are sensible, the statutory one not the shorter."""
    problems: list[Problem] = []
    if promised is None:
        problems.append(Problem("promised_days", _l("Enter the promised time limit in working days.")))
    elif not _sensible_days(promised):
        problems.append(Problem("promised_days", _l("Working days are 0 or more, with at most one decimal.")))
    if statutory is not None:
        if not _sensible_days(statutory):
            problems.append(Problem("statutory_days", _l("Working days are 0 or more, with at most one decimal.")))
        elif promised is not None and statutory < promised:
            problems.append(Problem("statutory_days", _l(
                "The statutory limit cannot be shorter than the promised one.")))
    return problems


def _trips_and_url_problems(data: GuideData) -> list[Problem]:
    problems: list[Problem] = []
    if not 0 <= data.max_trips <= 20:
        problems.append(Problem("max_trips", _l("The number of trips must be between 0 and 20.")))
    if data.guide_url and not re.match(r"^https?://\S+$", data.guide_url.strip()):
        problems.append(Problem("guide_url", _l("Enter a web address starting with http:// or https://.")))
    return problems


def _fee_problems(fees: Sequence[tuple[str, Decimal]]) -> list[Problem]:
    return [Problem("fees", _l("Fees cannot be negative."), index)
            for index, (_name, amount) in enumerate(fees)
            if not amount.is_finite() or amount < 0 or amount > 10**7]


def _material_problems(materials: Sequence[MaterialData]) -> list[Problem]:
    both = _l("A material is either abolished or obtainable by sharing, not both.")
    return [Problem("materials", both, index) for index, material in enumerate(materials)
            if material.abolished and material.obtainable_by_sharing]


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
    for field_name, value, column, position in values:
        limit = max_length(column)
        if len((value or "").strip()) > limit:
            problems.append(Problem(field_name, _l("Use at most %(n)d characters.", n=limit), position))
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
    item.unit = db.session.scalars(sa.select(Unit).where(Unit.code == data.unit_code.strip().lower())).one()
    item.promised_days = cast(Decimal, data.promised_days)  # validate() required it
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
