"""The issuing office's particulars (版头, 发文字号, 落款, 主送机关) and its document numbers.

Numbers are derived, not stored, so downloading a draft writes nothing and gives the same
number again: a 通报 is numbered by its campaign's place among the campaigns ending that year
(安如我办〔2026〕3号), a period's 通报 leaves it blank for the registry; 整改通知 have their
own series (安如我办改〔2026〕5号), by the unit's place.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date

import sqlalchemy as sa

from app.extensions import db
from app.models import Campaign, OfficeSettings, Unit, User
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


def circular_number(campaign: Campaign) -> str:
    """The 通报's 发文字号: the campaign's place among the campaigns ending the same year."""
    year = campaign.ends_on.year
    n = db.session.scalar(sa.select(sa.func.count()).select_from(Campaign).where(
        Campaign.ends_on >= date(year, 1, 1),
        sa.or_(Campaign.ends_on < campaign.ends_on, sa.and_(Campaign.ends_on == campaign.ends_on,
                                                              Campaign.id <= campaign.id)))) or 1
    return f"{office().number_prefix}〔{year}〕{n}号"


def period_number(year: int) -> str:
    """The 发文字号 of a period's 通报, its number left blank: such 通报 are outside the campaigns'
    series, so the registry gives the number when the draft is signed."""
    return f"{office().number_prefix}〔{year}〕\u3000\u3000号"


def notice_number(unit: Unit, year: int) -> str:
    """The 整改通知's 发文字号, in its own series (代字 + 改): the unit's place among the units, so
    a unit's notices of one year share it."""
    n = db.session.scalar(sa.select(sa.func.count()).select_from(Unit).where(Unit.id <= unit.id)) or 1
    return f"{office().number_prefix}改〔{year}〕{n}号"
