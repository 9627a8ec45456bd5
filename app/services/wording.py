"""Words people read: findings' details, timeline steps and issue headings from stored figures.

Findings and timeline steps keep what they found or did as data (``params``); the text is
rendered here from the catalogue in the reader's language, with numbers and dates formatted
for the locale. The Chinese documents call the same functions under ``force_locale("zh_Hans")``.
Text stored before the figures were kept, and text someone typed, is shown as it was written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from flask_babel import format_date, format_decimal, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.labels import CATEGORY_LABELS, SEVERITY_LABELS, TYPE_LABELS
from app.models import Category, Finding, Issue, IssueEvent, RectificationType, Severity
from app.services.checklists.guide_rules import GUIDE_RULES

#: One change of an issue's settings ("updated" steps), by the field changed.
CHANGE_TEXTS = {
    "lead_unit": _l("lead unit changed from %(old)s to %(new)s"),
    "supporting_units": _l("supporting units now %(new)s"),
    "severity": _l("severity changed from %(old)s to %(new)s"),
    "rectification_type": _l("rectification type changed from %(old)s to %(new)s"),
    "deadline": _l("deadline moved from %(old)s to %(new)s"),
}
NO_SUPPORTING_UNITS = _l("supporting units: none")
#: The text a step's params give, by the step's kind (the note someone wrote is shown after it).
EVENT_TEXTS = {
    "contest_transferred": _l("transferred from %(old)s to %(new)s"),
    "overdue_notice": _l("%(days)s working days past the deadline"),
    "extension_requested": _l("%(days)s more working days asked for"),
}
#: Steps whose params name the finding that caused them ({"finding": {"zh": ..., "en": ...}}).
FINDING_EVENTS = frozenset({"assigned", "occurrence", "reopened", "revisit_failed"})

HEADING_WINDOW = _l("Window %(number)s · %(category)s")
HEADING_HALL = _l("The hall · %(category)s")


def is_chinese() -> bool:
    """Whether the reader's language is Chinese (lists are joined with 、 and clauses with ；)."""
    locale = get_locale()
    return locale is None or locale.language == "zh"


def join(items: Iterable[str]) -> str:
    """Names joined the way the reader's language lists them."""
    return ("、" if is_chinese() else ", ").join(items)


def number(value: Any) -> str:
    """A stored figure ("52", "0.5", 3) formatted for the locale; other text as it is."""
    try:
        return str(format_decimal(Decimal(str(value)), format="#,##0.##"))
    except (InvalidOperation, ValueError):
        return str(value)


def _figures(params: Mapping[str, Any]) -> dict[str, str]:
    return {key: join(value) if isinstance(value, list) else number(value)
            for key, value in params.items() if key != "note"}


def finding_detail(finding: Finding) -> str:
    """A finding's detail in the reader's language (typed or old text as it was written)."""
    return detail_text(finding.rule, finding.params, finding.detail)


def detail_text(rule: str, params: Mapping[str, Any] | None, detail: str = "") -> str:
    """The detail of a finding made by ``rule`` with ``params`` (``detail`` when it has none)."""
    guide = GUIDE_RULES.get(rule.removeprefix("guide:")) if params is not None else None
    if guide is None or params is None:
        return detail
    text = str(guide.detail) % _figures(params)
    # What the answer named by the rule's ``detail_from`` said (e.g. what a fee was for).
    note = str(params.get("note") or "").strip()
    return _("%(detail)s (%(note)s)", detail=text, note=note) if note else text


def finding_title(finding: Finding) -> str:
    """A finding's title in the reader's language (the template gives both)."""
    return finding.title_zh if is_chinese() else finding.title_en


def finding_text(finding: Finding) -> str:
    """Title and detail, as one line."""
    detail = finding_detail(finding)
    return _("%(title)s: %(detail)s", title=finding_title(finding), detail=detail) if detail else finding_title(finding)


def _date(value: str) -> str:
    try:
        return str(format_date(date.fromisoformat(value), format="medium"))
    except ValueError:
        return value


def _change(change: Mapping[str, Any]) -> str:
    field, old, new = change.get("field"), change.get("old"), change.get("new")
    if field == "supporting_units":
        return str(CHANGE_TEXTS[field]) % {"new": join(new)} if new else str(NO_SUPPORTING_UNITS)
    if field == "severity":
        old, new = SEVERITY_LABELS[Severity(str(old))], SEVERITY_LABELS[Severity(str(new))]
    elif field == "rectification_type":
        old, new = TYPE_LABELS[RectificationType(str(old))], TYPE_LABELS[RectificationType(str(new))]
    elif field == "deadline":
        old, new = _date(str(old)), _date(str(new))
    return str(CHANGE_TEXTS[str(field)]) % {"old": old, "new": new}


def event_text(event: IssueEvent) -> str:
    """What a timeline step did, in the reader's language ("" when only its label and note say it)."""
    return step_text(event.kind, event.params)


def step_text(kind: str, params: Mapping[str, Any] | None) -> str:
    """The text of a step of ``kind`` with ``params``."""
    if not params:
        return ""
    if kind == "updated":
        return ("；" if is_chinese() else "; ").join(_change(c) for c in params.get("changes", []))
    if kind in FINDING_EVENTS:
        titles = params.get("finding") or {}
        return str(titles.get("zh" if is_chinese() else "en") or titles.get("zh") or "")
    message = EVENT_TEXTS.get(kind)
    return str(message) % _figures(params) if message is not None else ""


def finding_titles(finding: Finding) -> dict[str, str]:
    """The params of a step caused by ``finding``: its title in both languages."""
    return {"zh": finding.title_zh, "en": finding.title_en}


class _Window(Protocol):
    number: str


def issue_heading(category: Category, window: _Window | None) -> str:
    """What an issue holds: its category at its window (or the hall), in the reader's language."""
    if window is None:
        return _("The hall · %(category)s", category=CATEGORY_LABELS[category])
    return _("Window %(number)s · %(category)s", number=window.number, category=CATEGORY_LABELS[category])


@dataclass(frozen=True)
class Problem:
    """One distinct problem an issue holds, and how many times it was found."""

    title: str
    detail: str
    count: int


def problems(findings: Iterable[Finding]) -> tuple[Problem, ...]:
    """The distinct problems among ``findings`` (by title), in the order first found; the detail
    is the latest one's."""
    seen: dict[str, tuple[str, int]] = {}
    for finding in findings:
        title = finding_title(finding)
        seen[title] = (finding_detail(finding), seen.get(title, ("", 0))[1] + 1)
    return tuple(Problem(title, detail, count) for title, (detail, count) in seen.items())


def retitle(issue: Issue) -> None:
    """Title the issue by what it holds: its distinct problems joined, in Chinese and English."""
    held = [o.finding for o in issue.occurrences]
    issue.title = "、".join(dict.fromkeys(f.title_zh for f in held))[:200]
    issue.title_en = ", ".join(dict.fromkeys(f.title_en for f in held))[:200]
