"""The issuing office's particulars: 版头, the 代字 of its 发文字号, 落款 and 主送机关.

The serials themselves come from the office's register and are recorded in ``numbers``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from app.extensions import db
from app.models import OfficeSettings, User
from app.services import audit

ROW_ID = 1


@dataclass(frozen=True)
class Office:
    office_name: str
    number_prefix: str
    signatory: str
    addressee: str


#: What documents show while an administrator has set nothing (or cleared a field).
DEFAULTS = Office(office_name="安远县“如我+”暗访工作领导小组办公室", number_prefix="安如我办",
                  signatory="安远县“如我+”暗访工作领导小组办公室", addressee="各乡镇人民政府，县直各单位")


def _row() -> OfficeSettings | None:
    return db.session.get(OfficeSettings, ROW_ID)


def stored() -> Office:
    """What is stored, empty where nothing is (for the form)."""
    row = _row()
    if row is None:
        return Office("", "", "", "")
    return Office(*(getattr(row, f.name) for f in fields(Office)))


def office() -> Office:
    """The particulars documents print: the stored ones, the default where a field is empty."""
    saved = stored()
    return replace(DEFAULTS, **{f.name: getattr(saved, f.name).strip() for f in fields(Office)
                                if getattr(saved, f.name).strip()})


def save(data: Office, actor: User) -> None:
    """Store the particulars (empty fields fall back to the defaults) and audit the change."""
    row = _row()
    if row is None:
        row = OfficeSettings(id=ROW_ID)
        db.session.add(row)
    for field in fields(Office):
        setattr(row, field.name, getattr(data, field.name).strip())
    db.session.flush()
    audit.record("office.settings", actor=actor, object_type="office_settings", object_id=ROW_ID)

