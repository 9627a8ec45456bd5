"""What each kind of notification says, in the reader's language (made when shown or sent).

Words for a unit never name an inspector and never announce a re-visit (SECURITY.md §6.10–6.12):
unit kinds take only an issue's number, title and dates.
"""

from __future__ import annotations

import contextlib
from datetime import date
from typing import Any

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from app.services import wording

#: kind -> its words, with %(name)s parameters.
MESSAGES: dict[str, LazyString] = {
    # To a unit
    "issue.assigned": _l("New issue #%(issue)s to rectify: %(title)s. Deadline %(deadline)s."),
    "issue.reminder": _l("Issue #%(issue)s (%(title)s) is due in %(days)s working days, on %(deadline)s."),
    "issue.overdue": _l("Overdue notice (督办): issue #%(issue)s (%(title)s) was due on %(deadline)s. "
                        "Report your measures now."),
    "issue.sent_back": _l("Your report on issue #%(issue)s (%(title)s) was sent back: %(note)s"),
    "issue.closed": _l("Issue #%(issue)s (%(title)s) is closed out."),
    "issue.extension_granted": _l("Your extension for issue #%(issue)s was granted: new deadline %(deadline)s."),
    "issue.extension_refused": _l("Your extension for issue #%(issue)s was refused; the deadline stays %(deadline)s."),
    "issue.contest_transferred": _l("Your contest of issue #%(issue)s (%(title)s) was upheld: the issue was "
                                    "transferred to %(unit)s."),
    "issue.contest_dismissed": _l("Your contest of issue #%(issue)s (%(title)s) was upheld: the finding was "
                                  "dismissed and the issue closed."),
    "issue.contest_rejected": _l("Your contest of issue #%(issue)s (%(title)s) was rejected; rectify it by "
                                 "%(deadline)s."),
    # To leaders
    "issue.contested": _l("%(unit)s contests issue #%(issue)s (%(title)s): decide the contest."),
    "issue.reported": _l("%(unit)s reported its measures on issue #%(issue)s (%(title)s): awaiting your review."),
    "issue.extension_requested": _l("%(unit)s asks %(days)s more working days for issue #%(issue)s (%(title)s)."),
    "issue.overdue_leader": _l("Issue #%(issue)s (%(title)s) of %(unit)s is overdue since %(deadline)s; "
                               "an overdue notice (督办) was sent."),
    "issue.recurred": _l("Issue #%(issue)s (%(title)s) of %(unit)s was found again after close-out; "
                         "it is reopened and will be flagged in the next circular."),
    "issue.propose_talk": _l("Issue #%(issue)s (%(title)s) of %(unit)s is %(days)s working days overdue: "
                             "confirm an admonition talk (约谈)?"),
    "issue.propose_circular": _l("Issue #%(issue)s (%(title)s) of %(unit)s is %(days)s working days overdue: "
                                 "confirm a circular (通报)?"),
    # To an inspector
    "campaign.started": _l("Campaign %(name)s has started: you have %(count)s visits to make by %(ends)s."),
    "visit.returned": _l("Your visit of %(day)s was returned for correction: %(comment)s"),
}


def text(kind: str, params: dict[str, Any]) -> str:
    """The words of a notification in the current language (a missing parameter shows empty)."""
    template = MESSAGES.get(kind)
    if template is None:
        return kind
    values = dict(params)
    # Issues are titled in both languages; notifications stored before keep the Chinese one.
    if values.get("title_en") and not wording.is_chinese():
        values["title"] = values["title_en"]
    with contextlib.suppress(KeyError, ValueError):  # a date, formatted for the locale
        values["deadline"] = format_date(date.fromisoformat(str(values["deadline"])), format="medium")
    try:
        return str(template) % _Defaulting(values)
    except (TypeError, ValueError):
        return str(template)


class _Defaulting(dict):
    def __missing__(self, key: str) -> str:
        return ""
