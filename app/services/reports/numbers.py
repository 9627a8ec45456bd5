"""The register of document numbers (发文字号).

A county office numbers what it sends from its own register (发文登记), which also numbers
documents Ruwo knows nothing of; so Ruwo never guesses a serial. A leader records the number the
register gave, and the documents print it; until then the serial is left blank
(安如我办〔2026〕\u3000\u3000号) for the registry to fill in when the draft is signed.

A document is named by its *subject*: a campaign's 通报 (``circular:campaign:<id>``), a period's
通报 (``circular:period:<from>:<to>``) or a unit's 整改通知 of one day
(``notice:unit:<id>:<YYYY-MM-DD>``; each day's notice is a document of its own). 通报 are numbered
in the office's series (代字), 整改通知 in their own (代字 + 改); a number is given once per series
and year.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models import Campaign, DocumentNumber, Unit, User
from app.models.base import utcnow
from app.services import audit
from app.services.errors import ServiceError
from app.services.reports import office

CIRCULAR, NOTICE = "circular", "notice"
MAX_SERIAL = 9999
BLANK = "\u3000\u3000"
SUBJECT = re.compile(r"circular:campaign:\d{1,10}|circular:period:\d{4}-\d{2}-\d{2}:\d{4}-\d{2}-\d{2}"
                     r"|notice:unit:\d{1,10}:\d{4}-\d{2}-\d{2}")


def campaign_subject(campaign_id: int) -> str:
    return f"circular:campaign:{campaign_id}"


def period_subject(start: date, end: date) -> str:
    return f"circular:period:{start.isoformat()}:{end.isoformat()}"


def notice_subject(unit_id: int, day: date) -> str:
    return f"notice:unit:{unit_id}:{day.isoformat()}"


@dataclass(frozen=True)
class Number:
    """A 发文字号 as printed: 代字〔year〕serial号, the serial blank while none is recorded."""

    prefix: str
    year: int
    serial: int | None

    @property
    def text(self) -> str:
        return f"{self.prefix}〔{self.year}〕{self.serial if self.serial else BLANK}号"


def _series(subject: str) -> str:
    if not SUBJECT.fullmatch(subject):
        raise ServiceError(_l("There is no such document."))
    return subject.split(":", 1)[0]


def prefix(series: str) -> str:
    """The office's 代字, with 改 for the series of 整改通知."""
    return office.office().number_prefix + ("改" if series == NOTICE else "")


def recorded(subject: str) -> DocumentNumber | None:
    return db.session.scalar(sa.select(DocumentNumber).where(DocumentNumber.subject == subject))


def number(subject: str, today: date) -> Number:
    """The number a document prints: the recorded one, else this year's with the serial blank."""
    row = recorded(subject)
    series = _series(subject)
    if row is None:
        return Number(prefix(series), today.year, None)
    return Number(prefix(series), row.year, row.serial)


def describe(subject: str) -> str:
    """The document in words, for a message (``subject`` as stored)."""
    kind, _what, *rest = subject.split(":")
    if kind == NOTICE:
        unit = db.session.get(Unit, int(rest[0]))
        return str(_l("the rectification notice to %(unit)s of %(day)s", unit=unit.name if unit else f"#{rest[0]}",
                      day=rest[1]))
    if len(rest) == 2:
        return str(_l("the circular of %(start)s to %(end)s", start=rest[0], end=rest[1]))
    campaign = db.session.get(Campaign, int(rest[0]))
    return str(_l("the circular of the campaign “%(name)s”", name=campaign.name if campaign else f"#{rest[0]}"))


def parse_serial(raw: object) -> int:
    """A serial as typed (full-width digits too) → 1…9999; ServiceError otherwise."""
    text = unicodedata.normalize("NFKC", str(raw if raw is not None else ""))[:20].strip()
    if not (text.isascii() and text.isdigit() and 0 < int(text) <= MAX_SERIAL):
        raise ServiceError(_l("The serial number must be a whole number from 1 to %(most)s.", most=MAX_SERIAL),
                           field="serial")
    return int(text)


def _holder(series: str, year: int, serial: int, subject: str) -> str | None:
    """The other document that has this number, if any."""
    return db.session.scalar(sa.select(DocumentNumber.subject).where(
        DocumentNumber.series == series, DocumentNumber.year == year, DocumentNumber.serial == serial,
        DocumentNumber.subject != subject))


def record(subject: str, serial: object, actor: User, today: date) -> DocumentNumber:
    """Record (or replace) the serial the register gave the document ``subject``: in the year
    already recorded for it, else this year. Refused when the serial is not 1…9999 or is already
    another document's in the same series and year. Flushes and audits; the caller commits."""
    series = _series(subject)
    value = parse_serial(serial)
    row = recorded(subject)
    year = row.year if row is not None else today.year
    holder = _holder(series, year, value, subject)
    if holder is not None:
        raise ServiceError(_l("%(number)s is already the number of %(document)s; a number is given once.",
                              number=Number(prefix(series), year, value).text, document=describe(holder)),
                           field="serial")
    before = row.serial if row is not None else None
    try:
        # A savepoint: another leader may record the same serial at the same moment (on
        # PostgreSQL both pass the check above; the unique constraint refuses the second).
        with db.session.begin_nested():
            if row is None:
                row = DocumentNumber(subject=subject, series=series, year=year, serial=value)
                db.session.add(row)
            row.serial, row.recorded_by_id, row.recorded_at = value, actor.id, utcnow()
            db.session.flush()
    except sa.exc.IntegrityError:
        raise ServiceError(_l("%(number)s was just given to another document; choose another serial.",
                              number=Number(prefix(series), year, value).text), field="serial") from None
    audit.record("document.number", actor=actor, object_type="document_number", object_id=subject,
                 detail=f"{year}/{value}" + (f" (was {before})" if before is not None else ""))
    return row
