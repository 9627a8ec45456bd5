"""通报: of a campaign, or of the issues found in a period across campaigns. Both are gathered
once as ``Parts`` and laid out as a .docx draft (``gongwen``) or as PDF (``pdf``).

Each numbered case gives the unit, the place, the days and what was found, never the inspector
or a clock time, with thumbnails of the photos the visits behind it took (``thumbnails``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from app.extensions import db
from app.labels import CATEGORY_LABELS
from app.models import Campaign, Finding, Issue, Occurrence, Visit, VisitState
from app.services import campaigns
from app.services.errors import ServiceError
from app.services.issues import UNIT_VIEW_LOADS, IssueFilter, search_query, unit_view
from app.services.reports import gongwen, numbers, office, pdf
from app.services.reports.gongwen import day, no_clock
from app.services.reports.official import LOCALE, attached_ledger, found_text, held, numeral, place
from app.services.reports.parts import Case, Parts, Section
from app.services.reports.thumbnails import PhotoFiles, Thumbnails

#: The longest period a 通报 covers (a year, leap or not).
MAX_PERIOD_DAYS = 366
QUARTERS = "一二三四"
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
#: Periods are counted in China's days.
CHINA = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Period:
    """The days a period 通报 covers, both included."""

    start: date
    end: date

    def covers(self, day_: date) -> bool:
        return self.start <= day_ <= self.end


def period(start: str | None, end: str | None) -> Period:
    """The period between two ISO dates (YYYY-MM-DD) as typed; ServiceError saying what is wrong
    when one is missing or not a date, the end comes before the start, or it is over a year."""
    days = []
    for raw, field in ((start, "from"), (end, "to")):
        text = (raw or "").strip()
        if not text:
            raise ServiceError(_l("Give the first and the last day of the period."), field=field)
        try:
            if not ISO_DAY.fullmatch(text):
                raise ValueError(text)
            days.append(date.fromisoformat(text))
        except ValueError:
            raise ServiceError(_l("“%(value)s” is not a date (YYYY-MM-DD).", value=text[:20]), field=field) from None
    if days[1] < days[0]:
        raise ServiceError(_l("The period ends before it starts: the last day must be on or after the first."),
                           field="to")
    if (days[1] - days[0]).days + 1 > MAX_PERIOD_DAYS:
        raise ServiceError(_l("A circular covers at most one year; choose a shorter period."), field="to")
    return Period(days[0], days[1])


def period_wording(span: Period) -> str:
    """The period as a title says it: 2026年 / 2026年第四季度 / 2026年11月 / 2026年11月3日 /
    2026年11月3日至2026年11月20日."""
    start, end = span.start, span.end
    next_day = end + timedelta(days=1)
    if start == end:
        return day(start)
    if start.day == 1 and next_day.day == 1:
        months = (next_day.year - start.year) * 12 + next_day.month - start.month
        if months == 12 and start.month == 1:
            return f"{start.year}年"
        if months == 3 and start.month % 3 == 1:
            return f"{start.year}年第{QUARTERS[start.month // 3]}季度"
        if months == 1:
            return f"{start.year}年{start.month}月"
    return f"{day(start)}至{day(end)}"


#: What the cases read of each issue — its unit view, and its findings' visits with their photos
#: and assignment — loaded for all the issues at once.
_CASE_LOADS = (*UNIT_VIEW_LOADS, selectinload(Issue.occurrences).joinedload(Occurrence.finding)
               .joinedload(Finding.visit).options(selectinload(Visit.photos), joinedload(Visit.assignment)))


def _found(query: sa.Select) -> list[Issue]:
    return list(db.session.scalars(query.options(*_CASE_LOADS)))


def _cases(found: list[Issue], keep: Callable[[Occurrence], bool], thumbs: Thumbnails) -> tuple[Case, ...]:
    """One case per issue: its unit and place, the occurrences ``keep`` accepts (days and what
    was found, as the unit sees them) and thumbnails of the photos of their visits."""
    cases = []
    for n, issue in enumerate(found, start=1):
        shown = unit_view(issue)
        kept = [(seen, raw) for seen, raw in zip(shown.occurrences, issue.occurrences, strict=True) if keep(raw)]
        photos = thumbs.of(p for _seen, raw in kept for p in raw.finding.visit.photos)
        # A problem found again after it was closed out is flagged in the next circular.
        again = "该问题整改销号后再次出现。" if any(raw.recurrence for _seen, raw in kept) else ""
        cases.append(Case(no_clock(f"（{numeral(n)}）{shown.lead_unit.name}{place(shown)}。"),
                          no_clock(f"{found_text(tuple(seen for seen, _raw in kept))}。问题：{held(shown)}"
                                   f"（{CATEGORY_LABELS[shown.category]}）。{again}"), photos))
    return tuple(cases)


def _body(found: list[Issue], cases: tuple[Case, ...], which: str) -> tuple[Section, ...]:
    """The numbered cases, the assessment and the requirements (with the latest deadline)."""
    kinds = Counter(str(CATEGORY_LABELS[i.category]) for i in found)
    spread = "、".join(f"{k}{v}个" for k, v in kinds.most_common())
    assessment = (f"{which}暗访发现的问题中，{spread}。从暗访情况看，多数窗口能够规范服务，但部分窗口仍存在"
                  "服务意识不强、制度执行不严等问题，群众办事体验有待进一步提升。" if found
                  else f"{which}暗访未发现明显问题，各窗口总体能够规范服务。")
    latest = max((i.deadline for i in found), default=None)
    deadline = f"，最迟于{day(latest)}前" if latest else ""
    requirements = ("（一）各相关单位要对照本通报和附件所列问题，举一反三，全面自查，立行立改。",
                    f"（二）各责任单位要按附件所列整改时限{deadline}通过“如我”系统报送整改措施及佐证材料。",
                    "（三）对逾期未整改、整改不到位或问题反复出现的，将予以督办、约谈，情节严重的严肃问责。")
    return (Section("一、发现的主要问题", cases=cases), Section("二、总体评价", paragraphs=(assessment,)),
            Section("三、工作要求", paragraphs=requirements))


def _parts(number: str, title: str, opening: str, sections: tuple[Section, ...], caption: str,
           query: sa.Select, today: date) -> Parts:
    particulars = office.office()
    header, rows = attached_ledger(query, today)
    return Parts(header=particulars.office_name, number=number, title=title,
                 addressee=f"{particulars.addressee}：", paragraphs=(opening,), sections=sections,
                 attachment=f"附件：{caption}", signature=particulars.signatory, date=day(today),
                 ledger_caption=caption, ledger_header=header, ledger_rows=rows)


def circular_parts(campaign: Campaign, today: date, files: PhotoFiles | None = None) -> Parts:
    """通报 of a campaign: when and how many visits, the numbered cases (with the photos of the
    campaign's visits behind each, read from ``files``), an assessment, the requirements with the
    deadline; the campaign's ledger as 附件."""
    with force_locale(LOCALE):
        query = search_query(IssueFilter(campaign_id=campaign.id), today)
        found = _found(query)
        disclosed = campaigns.disclosure(campaign)
        opening = (f"{day(campaign.starts_on)}至{day(campaign.ends_on)}，按照“双随机”方式，对"
                   f"{len(disclosed.targets)}个政务服务窗口开展暗访，共完成暗访{disclosed.visits_done}次，"
                   f"发现问题{len(found)}个。现将有关情况通报如下。")

        def in_campaign(o: Occurrence) -> bool:
            assignment = o.finding.visit.assignment
            return assignment is not None and assignment.campaign_id == campaign.id

        cases = _cases(found, in_campaign, Thumbnails(files))
        subject = campaign.name.removesuffix("暗访")  # "2026年12月暗访" -> 关于2026年12月暗访情况的通报
        number = numbers.number(numbers.campaign_subject(campaign.id), today).text
        return _parts(number, f"关于{subject}暗访情况的通报", opening,
                      _body(found, cases, "本次"), f"{campaign.name}整改台账", query, today)


def _visits_in(span: Period) -> tuple[int, int]:
    """Approved visits made in the period (by the China day they began) and the windows they saw."""
    made = sa.func.coalesce(Visit.arrived_at, Visit.submitted_at)
    first, after = (datetime.combine(d, time(), tzinfo=CHINA) for d in (span.start, span.end + timedelta(days=1)))
    windows = db.session.scalars(sa.select(Visit.window_id).where(
        Visit.state == VisitState.APPROVED, made >= first, made < after)).all()
    return len(windows), len(set(windows))


def period_parts(span: Period, today: date, files: PhotoFiles | None = None) -> Parts:
    """通报 of the issues found in ``span`` across campaigns (and outside them): the visits and
    issues of the period, the numbered cases with what was found in it and its photos, an
    assessment, the requirements; the period's ledger as 附件."""
    with force_locale(LOCALE):
        query = search_query(IssueFilter(found_from=span.start, found_to=span.end), today)
        found = _found(query)
        visits, windows = _visits_in(span)
        wording = period_wording(span)
        opening = (f"{day(span.start)}至{day(span.end)}，共对{windows}个政务服务窗口开展暗访{visits}次，"
                   f"发现问题{len(found)}个。现将有关情况通报如下。")
        cases = _cases(found, lambda o: span.covers(o.observed_on), Thumbnails(files))
        number = numbers.number(numbers.period_subject(span.start, span.end), today).text
        return _parts(number, f"关于{wording}暗访发现问题情况的通报", opening,
                      _body(found, cases, "本期"), f"{wording}暗访发现问题整改台账", query, today)


def circular(campaign: Campaign, today: date, files: PhotoFiles | None = None) -> bytes:
    """The campaign's 通报 as a .docx draft."""
    return gongwen.document(circular_parts(campaign, today, files), today)


def circular_pdf(campaign: Campaign, today: date, files: PhotoFiles | None = None) -> bytes:
    """The campaign's 通报 as PDF (only where ``pdf.available()``)."""
    return pdf.render(circular_parts(campaign, today, files))


def period_circular(span: Period, today: date, files: PhotoFiles | None = None) -> bytes:
    """The period's 通报 as a .docx draft."""
    return gongwen.document(period_parts(span, today, files), today)


def period_circular_pdf(span: Period, today: date, files: PhotoFiles | None = None) -> bytes:
    """The period's 通报 as PDF (only where ``pdf.available()``)."""
    return pdf.render(period_parts(span, today, files))
