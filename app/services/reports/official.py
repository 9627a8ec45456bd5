"""整改通知 (to one unit): its parts, gathered once, laid out as a .docx draft in 公文 layout
(``gongwen``) or as PDF (``pdf``); the helpers the 通报 (``circulars``) shares with it.

Both are built from what a unit may see: an issue's title, place and its findings' words
(``issues.unit_view``), dates to the day, never the inspector or a clock time. The office's
particulars come from ``office``, the 发文字号 from the register (``numbers``); nothing is
written.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import force_locale

from app.extensions import db
from app.labels import CATEGORY_LABELS, STATE_LABELS
from app.models import Issue, IssueState, Unit
from app.services.issues import UNIT_VIEW_LOADS, for_unit_query, unit_view
from app.services.issues.unit_view import UnitIssue, UnitOccurrence
from app.services.reports import gongwen, ledger, numbers, office, pdf
from app.services.reports.gongwen import day, no_clock
from app.services.reports.parts import Case, Parts, Section

LOCALE = "zh_Hans"
#: The ledger's columns an attached table shows (serial, no., found, place, category,
#: description, unit, measures, deadline, state), as indexes into ``ledger.columns()``.
ATTACHED_COLUMNS = (0, 1, 2, 3, 4, 5, 7, 9, 11, 12)
NUMERALS = "一二三四五六七八九十"


def numeral(n: int) -> str:
    """1 → 一, 12 → 十二, 25 → 二十五 (enough for case numbers)."""
    if n <= 10:
        return NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    return (NUMERALS[tens - 1] if tens > 1 else "") + "十" + (NUMERALS[ones - 1] if ones else "")


def place(issue: UnitIssue) -> str:
    return issue.hall.name + (f"{issue.window.number}号窗口（{issue.window.name}）" if issue.window else "")


def attached_ledger(query: sa.Select, today: date) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    header = tuple(ledger.columns()[i][0] for i in ATTACHED_COLUMNS)
    rows = []
    for row in ledger.rows(query, today):
        state = str(STATE_LABELS[row.state]) + ("（逾期）" if row.overdue else "")
        values = (str(row.number), f"#{row.issue_id}", day(row.found_on), row.place, row.category,
                  row.description, row.lead_unit, row.measures, day(row.deadline), state)
        rows.append(tuple(no_clock(v) for v in values))
    return header, tuple(rows)


def found_text(occurrences: tuple[UnitOccurrence, ...]) -> str:
    return "；".join(f"{day(o.observed_on)}，{o.title}" + (f"（{o.detail}）" if o.detail else "")
                    for o in occurrences)


def held(issue: UnitIssue) -> str:
    """The distinct problems an issue holds, joined (rendered under the documents' locale)."""
    return "、".join(p.title for p in issue.problems)


def _open_query(unit_id: int) -> sa.Select:
    return for_unit_query(unit_id).where(Issue.state != IssueState.CLOSED)


def notice_parts(unit: Unit, today: date) -> Parts:
    """整改通知 to ``unit``: its open issues, each with what was found and its deadline; its
    ledger rows as 附件."""
    with force_locale(LOCALE):
        particulars = office.office()
        shown = [unit_view(i) for i in db.session.scalars(_open_query(unit.id).options(*UNIT_VIEW_LOADS))]
        sections: tuple[Section, ...] = ()
        if not shown:
            opening = "经核查，你单位目前没有待整改的暗访问题。请继续保持，巩固整改成效。"
        else:
            opening = f"近期暗访中发现你单位存在以下{len(shown)}个问题，现通知如下，请抓紧整改。"
            cases = tuple(Case(no_clock(f"（{numeral(n)}）{place(issue)}。"),
                               no_clock(f"问题类别：{CATEGORY_LABELS[issue.category]}。问题：{held(issue)}。"
                                        f"发现情况：{found_text(issue.occurrences)}。整改时限：{day(issue.deadline)}前。"))
                          for n, issue in enumerate(shown, start=1))
            latest = max(i.deadline for i in shown)
            sections = (Section("一、发现的问题", cases=cases), Section("二、整改要求", paragraphs=(
                "（一）对照上述问题逐项制定整改措施，明确责任领导和责任人，能立行立改的立即整改。",
                f"（二）请于各问题整改时限前（最迟{day(latest)}前）通过“如我”系统报送整改措施及佐证材料。",
                "（三）逾期未整改或整改不到位的，将视情予以督办、约谈、通报。")))
        header, rows = attached_ledger(_open_query(unit.id), today)
        number = numbers.number(numbers.notice_subject(unit.id, today), today).text
        return Parts(header=particulars.office_name, number=number,
                     title="关于暗访发现问题整改的通知", addressee=f"{unit.name}：", paragraphs=(opening,),
                     sections=sections, attachment=f"附件：{unit.name}整改台账", signature=particulars.signatory,
                     date=day(today), ledger_caption=f"{unit.name}整改台账", ledger_header=header, ledger_rows=rows)


def rectification_notice(unit: Unit, today: date) -> bytes:
    """The 整改通知 as a .docx draft."""
    return gongwen.document(notice_parts(unit, today), today)


def rectification_notice_pdf(unit: Unit, today: date) -> bytes:
    """The 整改通知 as PDF (only where ``pdf.available()``)."""
    return pdf.render(notice_parts(unit, today))
