"""Working days on the Chinese calendar: public holidays and make-up working days (调休).

The `holidays` package's China calendar knows the State Council's announced schedule for
the years it has been released with; an administrator-editable table (CalendarDay) adds or
corrects days for a year the package does not know yet. Deadlines count working days.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
import sqlalchemy as sa

from app.extensions import db
from app.models import CalendarDay, User
from app.models.base import utcnow
from app.services import audit

#: The years the calendar admin can show: enough past for old deadlines, enough future to plan.
FIRST_YEAR, LAST_YEAR = 2000, 2100


def china_today(now: datetime | None = None) -> date:
    """Today's date in China (deadlines, overdue and campaign periods are counted in China's days)."""
    return (now or utcnow()).astimezone(ZoneInfo("Asia/Shanghai")).date()


@lru_cache(maxsize=16)
def _china(year: int) -> holidays.HolidayBase:
    return holidays.China(years=year)


def overrides(start: date, end: date) -> dict[date, bool]:
    """Announced days between ``start`` and ``end`` (inclusive): day -> is a working day."""
    rows = db.session.execute(sa.select(CalendarDay.day, CalendarDay.working)
                              .where(CalendarDay.day >= start, CalendarDay.day <= end))
    return {day: working for day, working in rows}


def is_working_day(day: date, announced: dict[date, bool] | None = None) -> bool:
    """Whether government offices work on ``day``."""
    if announced is not None and day in announced:
        return announced[day]
    return _china(day.year).is_working_day(day)


def add_working_days(start: date, days: int) -> date:
    """The date ``days`` working days after ``start`` (``start`` itself does not count)."""
    if days <= 0:
        return start
    announced = overrides(start, start + timedelta(days=days * 3 + 30))
    current, left = start, days
    while left:
        current += timedelta(days=1)
        if is_working_day(current, announced):
            left -= 1
    return current


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (negative if ``end`` is earlier)."""
    if end == start:
        return 0
    sign, low, high = (1, start, end) if end > start else (-1, end, start)
    announced = overrides(low, high)
    count = sum(1 for n in range(1, (high - low).days + 1)
                if is_working_day(low + timedelta(days=n), announced))
    return sign * count


def set_day(day: date, working: bool, note: str = "", *, actor: User | None = None) -> CalendarDay:
    """Record an announced working day or day off (replacing an earlier entry for that day)."""
    row = db.session.scalar(sa.select(CalendarDay).where(CalendarDay.day == day)) or CalendarDay(day=day)
    row.working, row.note = working, note.strip()
    db.session.add(row)
    db.session.flush()
    audit.record("calendar.set", actor=actor, object_type="calendar_day", object_id=day.isoformat())
    return row


def remove_day(day: date, *, actor: User | None = None) -> None:
    """Forget an announced day (the holiday calendar decides again)."""
    db.session.execute(sa.delete(CalendarDay).where(CalendarDay.day == day))
    audit.record("calendar.remove", actor=actor, object_type="calendar_day", object_id=day.isoformat())


def announced_days(year: int) -> list[CalendarDay]:
    """The table's entries for ``year``."""
    return list(db.session.scalars(sa.select(CalendarDay).where(
        CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31)).order_by(CalendarDay.day)))
