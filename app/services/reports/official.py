"""整改通知 (to one unit) and 通报 (of a campaign): their parts, gathered once, laid out as .docx
drafts in 公文 layout (``gongwen``) or as PDF (``pdf``).

Both are built from what a unit may see: an issue's title, place and its findings' words
(``issues.unit_view``), dates to the day, never the inspector or a clock time. The office's
particulars and the 发文字号 come from ``office``; nothing is written.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

import sqlalchemy as sa
from flask_babel import force_locale

from app.extensions import db
from app.labels import CATEGORY_LABELS, STATE_LABELS
from app.models import Campaign, Issue, IssueState, Unit
from app.services import campaigns
from app.services.issues import IssueFilter, for_unit_query, search_query, unit_view
from app.services.issues.unit_view import UnitIssue, UnitOccurrence
from app.services.reports import gongwen, ledger, office, pdf
from app.services.reports.gongwen import day, no_clock
from app.services.reports.parts import Case, Parts, Section

LOCALE = "zh_Hans"
#: The ledger's columns an attached table shows (serial, no., found, place, category,
#: description, unit, measures, deadline, state), as indexes into ``ledger.columns()``.
ATTACHED_COLUMNS = (0, 1, 2, 3, 4, 5, 7, 9, 11, 12)
NUMERALS = "一二三四五六七八九十"


def _numeral(n: int) -> str:
    """1 → 一, 12 → 十二, 25 → 二十五 (enough for case numbers)."""
    if n <= 10:
        return NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    return (NUMERALS[tens - 1] if tens > 1 else "") + "十" + (NUMERALS[ones - 1] if ones else "")


def _place(issue: UnitIssue) -> str:
    return issue.hall.name + (f"{issue.window.number}号窗口（{issue.window.name}）" if issue.window else "")


def _ledger(query: sa.Select, today: date) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    header = tuple(ledger.columns()[i][0] for i in ATTACHED_COLUMNS)
    rows = []
    for row in ledger.rows(query, today):
        state = str(STATE_LABELS[row.state]) + ("（逾期）" if row.overdue else "")
        values = (str(row.number), f"#{row.issue_id}", day(row.found_on), row.place, row.category,
                  row.description, row.lead_unit, row.measures, day(row.deadline), state)
        rows.append(tuple(no_clock(v) for v in values))
    return header, tuple(rows)


def _found(occurrences: tuple[UnitOccurrence, ...]) -> str:
    return "；".join(f"{day(o.observed_on)}，{o.title_zh}" + (f"（{o.detail}）" if o.detail else "")
                    for o in occurrences)


def _open_query(unit_id: int) -> sa.Select:
    return for_unit_query(unit_id).where(Issue.state != IssueState.CLOSED)


def notice_parts(unit: Unit, today: date) -> Parts:
    """整改通知 to ``unit``: its open issues, each with what was found and its deadline; its
    ledger rows as 附件."""
    with force_locale(LOCALE):
        particulars = office.office()
        shown = [unit_view(i) for i in db.session.scalars(_open_query(unit.id))]
        sections: tuple[Section, ...] = ()
        if not shown:
            opening = "经核查，你单位目前没有待整改的暗访问题。请继续保持，巩固整改成效。"
        else:
            opening = f"近期暗访中发现你单位存在以下{len(shown)}个问题，现通知如下，请抓紧整改。"
            cases = tuple(Case(no_clock(f"（{_numeral(n)}）{_place(issue)}。"),
                               no_clock(f"问题类别：{CATEGORY_LABELS[issue.category]}。问题：{issue.title}。"
                                        f"发现情况：{_found(issue.occurrences)}。整改时限：{day(issue.deadline)}前。"))
                          for n, issue in enumerate(shown, start=1))
            latest = max(i.deadline for i in shown)
            sections = (Section("一、发现的问题", cases=cases), Section("二、整改要求", paragraphs=(
                "（一）对照上述问题逐项制定整改措施，明确责任领导和责任人，能立行立改的立即整改。",
                f"（二）请于各问题整改时限前（最迟{day(latest)}前）通过“如我”系统报送整改措施及佐证材料。",
                "（三）逾期未整改或整改不到位的，将视情予以督办、约谈、通报。")))
        header, rows = _ledger(_open_query(unit.id), today)
        return Parts(header=particulars.office_name, number=office.notice_number(unit, today.year),
                     title="关于暗访发现问题整改的通知", addressee=f"{unit.name}：", paragraphs=(opening,),
                     sections=sections, attachment=f"附件：{unit.name}整改台账", signature=particulars.signatory,
                     date=day(today), ledger_caption=f"{unit.name}整改台账", ledger_header=header, ledger_rows=rows)


def rectification_notice(unit: Unit, today: date) -> bytes:
    """The 整改通知 as a .docx draft."""
    return gongwen.document(notice_parts(unit, today), today)


def rectification_notice_pdf(unit: Unit, today: date) -> bytes:
    """The 整改通知 as PDF (only where ``pdf.available()``)."""
    return pdf.render(notice_parts(unit, today))


def _in_campaign(issue: Issue, campaign_id: int) -> tuple[UnitOccurrence, ...]:
    """The issue's occurrences found by the campaign's visits, as a unit sees them."""
    mine = {o.finding_id for o in issue.occurrences if o.finding.visit.assignment
            and o.finding.visit.assignment.campaign_id == campaign_id}
    seen = unit_view(issue).occurrences
    return tuple(o for o, raw in zip(seen, issue.occurrences, strict=True) if raw.finding_id in mine)


def circular_parts(campaign: Campaign, today: date) -> Parts:
    """通报 of a campaign: when and how many visits, the numbered cases, an assessment, the
    requirements with the deadline; the campaign's ledger as 附件."""
    with force_locale(LOCALE):
        particulars = office.office()
        query = search_query(IssueFilter(campaign_id=campaign.id), today)
        found = list(db.session.scalars(query))
        disclosed = campaigns.disclosure(campaign)
        opening = (f"{day(campaign.starts_on)}至{day(campaign.ends_on)}，按照“双随机”方式，对"
                   f"{len(disclosed.targets)}个政务服务窗口开展暗访，共完成暗访{disclosed.visits_done}次，"
                   f"发现问题{len(found)}个。现将有关情况通报如下。")
        cases = []
        for n, issue in enumerate(found, start=1):
            shown = unit_view(issue)
            cases.append(Case(no_clock(f"（{_numeral(n)}）{shown.lead_unit.name}{_place(shown)}。"),
                              no_clock(f"{_found(_in_campaign(issue, campaign.id))}。问题：{shown.title}"
                                       f"（{CATEGORY_LABELS[shown.category]}）。")))
        kinds = Counter(str(CATEGORY_LABELS[i.category]) for i in found)
        spread = "、".join(f"{k}{v}个" for k, v in kinds.most_common())
        assessment = (f"本次暗访发现的问题中，{spread}。从暗访情况看，多数窗口能够规范服务，但部分窗口仍存在"
                      "服务意识不强、制度执行不严等问题，群众办事体验有待进一步提升。" if found
                      else "本次暗访未发现明显问题，各窗口总体能够规范服务。")
        latest = max((i.deadline for i in found), default=None)
        deadline = f"，最迟于{day(latest)}前" if latest else ""
        requirements = ("（一）各相关单位要对照本通报和附件所列问题，举一反三，全面自查，立行立改。",
                        f"（二）各责任单位要按附件所列整改时限{deadline}通过“如我”系统报送整改措施及佐证材料。",
                        "（三）对逾期未整改、整改不到位或问题反复出现的，将予以督办、约谈，情节严重的严肃问责。")
        header, rows = _ledger(query, today)
        subject = campaign.name.removesuffix("暗访")  # "2026年12月暗访" -> 关于2026年12月暗访情况的通报
        return Parts(header=particulars.office_name, number=office.circular_number(campaign),
                     title=f"关于{subject}暗访情况的通报", addressee=f"{particulars.addressee}：",
                     paragraphs=(opening,),
                     sections=(Section("一、发现的主要问题", cases=tuple(cases)),
                               Section("二、总体评价", paragraphs=(assessment,)),
                               Section("三、工作要求", paragraphs=requirements)),
                     attachment=f"附件：{campaign.name}整改台账", signature=particulars.signatory,
                     date=day(today), ledger_caption=f"{campaign.name}整改台账", ledger_header=header,
                     ledger_rows=rows)


def circular(campaign: Campaign, today: date) -> bytes:
    """The 通报 as a .docx draft."""
    return gongwen.document(circular_parts(campaign, today), today)


def circular_pdf(campaign: Campaign, today: date) -> bytes:
    """The 通报 as PDF (only where ``pdf.available()``)."""
    return pdf.render(circular_parts(campaign, today))
