"""Named rules over the service guide and the hall, registered once with the types they fit.

A template's finding names a rule (``rule: fee_not_in_rule``) on a question; the template is
refused if the question's type is not one the rule ``fits``, and the findings engine
(``rules.evaluate``) calls the rule's ``check``. Register a rule with the catalogue entry its
finding's detail is rendered from (``app.services.wording``)::

    @guide_rule("over_max_trips", fits=("number",), detail=_l("%(trips)s trips; at most %(limit)s allowed"))
    def _over_trips(visit, answers, key):  # key: the question carrying the rule
        ...
        return Severity.MEDIUM, {"trips": "2", "limit": "1"}   # or (None, {}) when nothing is wrong

The check returns figures, never text: they are stored with the finding and formatted for each
reader's language. A severity declared beside the rule in the template wins over the one the
check gives. ``detail_from`` names a question whose answer is added to the detail (as "note").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from app.models import MaterialKind, Severity, Visit

#: The figures a check found: numbers as text ("52", "0.5"), names as lists.
Params = dict[str, Any]
#: (visit, its answers, the key of the question carrying the rule) -> (severity or None, figures).
GuideRuleCheck = Callable[[Visit, dict[str, Any], str], tuple[Severity | None, Params]]


@dataclass(frozen=True)
class GuideRule:
    name: str
    #: The question types the rule can sit on.
    fits: tuple[str, ...]
    check: GuideRuleCheck
    #: The catalogue entry the finding's detail is rendered from, with the check's figures.
    detail: LazyString
    #: A question whose answer ends the finding's detail (e.g. what a fee was for).
    detail_from: str | None = None

    def run(self, visit: Visit, answers: dict[str, Any], key: str) -> tuple[Severity | None, Params]:
        """The check's (severity or None, figures), with the ``detail_from`` answer as "note"."""
        severity, params = self.check(visit, answers, key)
        if severity is not None and self.detail_from is not None and answers.get(self.detail_from):
            params = {**params, "note": str(answers[self.detail_from])}
        return severity, params


#: Every guide rule by name, in the order they were registered.
GUIDE_RULES: dict[str, GuideRule] = {}


def guide_rule(name: str, fits: tuple[str, ...], detail: LazyString,
               detail_from: str | None = None) -> Callable[[GuideRuleCheck], GuideRuleCheck]:
    """Register the decorated check as the rule ``name`` (once; ``temporary_registrations`` undoes it)."""

    def register(check: GuideRuleCheck) -> GuideRuleCheck:
        if name in GUIDE_RULES:
            raise ValueError(f"the guide rule {name} is registered twice")
        GUIDE_RULES[name] = GuideRule(name, tuple(fits), check, detail, detail_from)
        return check

    return register


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


def _figure(value: Decimal | int) -> str:
    return f"{Decimal(value).normalize():f}"


@guide_rule("extra_materials", fits=("materials",), detail=_l("asked for %(names)s"))
def _extra_materials(visit: Visit, answers: dict[str, Any], key: str) -> tuple[Severity | None, Params]:
    names = [m.name for m in visit.materials if m.kind is MaterialKind.EXTRA]
    return (Severity.HIGH, {"names": names}) if names else (None, {})


@guide_rule("abolished_or_shared_materials", fits=("materials",), detail=_l("asked for %(names)s"))
def _abolished_or_shared(visit: Visit, answers: dict[str, Any], key: str) -> tuple[Severity | None, Params]:
    names = [m.name for m in visit.materials if m.kind in (MaterialKind.ABOLISHED, MaterialKind.SHARED)]
    return (Severity.MEDIUM, {"names": names}) if names else (None, {})


@guide_rule("wait_thresholds", fits=("timer",), detail=_l("waited %(minutes)s minutes"))
def _wait(visit: Visit, answers: dict[str, Any], key: str) -> tuple[Severity | None, Params]:
    wait, hall = visit.wait_minutes, visit.window.hall
    if wait is None or wait < hall.wait_medium_min:
        return None, {}
    return (Severity.HIGH if wait >= hall.wait_high_min else Severity.MEDIUM), {"minutes": _figure(wait)}


@guide_rule("over_promised_days", fits=("number",),
            detail=_l("told %(stated)s working days; the promised limit is %(limit)s"))
def _over_promised(visit: Visit, answers: dict[str, Any], key: str) -> tuple[Severity | None, Params]:
    stated, item = _number(answers.get(key)), visit.service_item
    if stated is None or item is None or stated <= item.promised_days:
        return None, {}
    if _over_statutory(visit, answers, key)[0] is not None:
        return None, {}  # the statutory rule already reports it, more severely
    return Severity.MEDIUM, {"stated": _figure(stated), "limit": _figure(item.promised_days)}


@guide_rule("over_statutory_days", fits=("number",),
            detail=_l("told %(stated)s working days; the statutory limit is %(limit)s"))
def _over_statutory(visit: Visit, answers: dict[str, Any], key: str) -> tuple[Severity | None, Params]:
    stated, item = _number(answers.get(key)), visit.service_item
    if stated is None or item is None or item.statutory_days is None or stated <= item.statutory_days:
        return None, {}
    return Severity.HIGH, {"stated": _figure(stated), "limit": _figure(item.statutory_days)}


@guide_rule("over_max_trips", fits=("number",), detail=_l("%(trips)s trips; at most %(limit)s allowed"))
def _over_trips(visit: Visit, answers: dict[str, Any], key: str) -> tuple[Severity | None, Params]:
    trips, item = _number(answers.get(key)), visit.service_item
    limit = item.max_trips if item is not None else 1
    if trips is None or trips <= limit:
        return None, {}
    return Severity.MEDIUM, {"trips": _figure(trips), "limit": _figure(limit)}


@guide_rule("fee_not_in_rule", fits=("number",), detail=_l("charged %(amount)s yuan"), detail_from="fee_item")
def _fee(visit: Visit, answers: dict[str, Any], key: str) -> tuple[Severity | None, Params]:
    amount, item = _number(answers.get(key)), visit.service_item
    if amount is None or amount <= 0 or item is None:
        return None, {}
    if amount in {fee.amount_yuan for fee in item.fees}:
        return None, {}
    return Severity.CRITICAL, {"amount": _figure(amount)}
