"""Translated names of the domain's enumerations, for templates and exports."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.models import (
    CampaignState,
    Category,
    ContestKind,
    IssueState,
    RectificationType,
    Severity,
    Verdict,
    VisitState,
)

CATEGORY_LABELS = {
    Category.MATERIALS: _l("Materials"), Category.EFFICIENCY: _l("Efficiency and waiting"),
    Category.ATTITUDE: _l("Attitude"), Category.DISCIPLINE: _l("Discipline"),
    Category.NOTIFICATION: _l("Notification and guidance"), Category.FEES: _l("Fees"),
    Category.INTEGRATION: _l("Integration and online"), Category.ENVIRONMENT: _l("Environment and facilities"),
    Category.OTHER: _l("Other"),
}
SEVERITY_LABELS = {Severity.LOW: _l("low"), Severity.MEDIUM: _l("medium"), Severity.HIGH: _l("high"),
                   Severity.CRITICAL: _l("critical")}
STATE_LABELS = {
    IssueState.ASSIGNED: _l("assigned"), IssueState.IN_PROGRESS: _l("in progress"),
    IssueState.REPORTED: _l("reported"), IssueState.UNDER_REVIEW: _l("under review"),
    IssueState.CLOSED: _l("closed"), IssueState.REOPENED: _l("reopened"),
    IssueState.CONTESTED: _l("contested, deadline paused"),
}
TYPE_LABELS = {RectificationType.IMMEDIATE: _l("immediate"), RectificationType.DEADLINE: _l("by a deadline"),
               RectificationType.LONG_TERM: _l("long-term")}
EVENT_LABELS = {
    "assigned": _l("Assigned to the unit"), "occurrence": _l("Found again"), "reopened": _l("Reopened: found again after close-out"),
    "started": _l("Rectification started"), "reported": _l("Measures reported"), "explained": _l("Explanation given"),
    "extension_requested": _l("Extension requested"), "extension_accepted": _l("Extension accepted"),
    "extension_refused": _l("Extension refused"), "review_started": _l("Review started"),
    "sent_back": _l("Sent back for more rectification"), "closed_by_leader": _l("Closed out on the evidence"),
    "closed_by_revisit": _l("Closed out after a re-visit"), "revisit_assigned": _l("Re-visit assigned"),
    "revisit_failed": _l("Re-visit found it again"), "escalated_1": _l("Escalated: supervision (督办)"),
    "overdue_notice": _l("Overdue notice (督办) sent automatically"),
    "escalated_2": _l("Escalated: admonition talk (约谈)"), "escalated_3": _l("Escalated: circular (通报)"),
    "updated": _l("Details changed"), "closed": _l("Closed out"),
    "revisit_inconclusive": _l("Re-visit could not verify every point"),
    "contested": _l("Contested by the unit (申诉)"), "contest_transferred": _l("Contest upheld: transferred"),
    "contest_dismissed": _l("Contest upheld: finding dismissed, closed"),
    "contest_rejected": _l("Contest rejected: the unit stays responsible"),
}
CONTEST_KIND_LABELS = {ContestKind.NOT_OUR_DUTY: _l("Not our duty"),
                       ContestKind.WRONG_FINDING: _l("The finding is wrong")}
CAMPAIGN_STATE_LABELS = {
    CampaignState.DRAFT: _l("planning"), CampaignState.DRAWN: _l("drawn, sealed"),
    CampaignState.ACTIVE: _l("under way"), CampaignState.CLOSED: _l("closed"),
    CampaignState.PUBLISHED: _l("published"),
}
CAMPAIGN_EVENT_LABELS = {
    "created": _l("Planned"), "changed": _l("Plan changed"), "drawn": _l("Drawn"), "redrawn": _l("Drawn again"),
    "undrawn": _l("Sent back to planning"), "started": _l("Started"), "closed": _l("Closed"),
    "published": _l("Published to units"),
}
#: The board's statuses of an assignment.
PROGRESS_LABELS = {"pending": _l("not begun"), "in_progress": _l("draft saved"), "submitted": _l("submitted"),
                   "approved": _l("approved"), "overdue": _l("overdue")}
#: What failed when a draw has no solution.
DRAW_PROBLEM_LABELS = {
    "empty": _l("The pool holds no open window."),
    "no_inspectors": _l("The campaign has no inspectors."),
    "conflict": _l("%(target)s: only %(have)s inspectors have no conflict of interest with it; "
                   "%(need)s different ones are needed."),
    "balance": _l("The visits cannot be spread evenly (at most one apart) over the inspectors."),
    "balance_inspector": _l("%(inspector)s: can visit only %(have)s of the drawn targets without a conflict, "
                            "but an even share is %(need)s."),
    "balance_target": _l("%(target)s: with an even share per inspector, only %(have)s of %(need)s visits "
                         "find an inspector."),
}
#: A re-visit's verdict on each point, in the order the phone offers them.
VERDICT_CHOICES = [(Verdict.FIXED.value, _l("fixed")), (Verdict.NOT_FIXED.value, _l("not fixed")),
                   (Verdict.NOT_CHECKED.value, _l("could not check"))]
VISIT_STATE_LABELS = {VisitState.DRAFT: _l("draft"), VisitState.SUBMITTED: _l("waiting for review"),
                      VisitState.RETURNED: _l("returned for changes"), VisitState.APPROVED: _l("approved")}
#: The dashboard's figures (app.services.metrics.Figures), in the order shown.
FIGURE_LABELS = [
    ("visits", _l("Visits")), ("extra_rate", _l("Extra materials asked")),
    ("notice_rate", _l("Written one-time notice")), ("wait_mean", _l("Mean wait (min)")),
    ("wait_p90", _l("90th percentile wait (min)")), ("trips_mean", _l("Mean trips")),
    ("attitude_mean", _l("Mean attitude (1–5)")), ("issues", _l("Issues")), ("closure_rate", _l("Closure rate")),
    ("on_time_rate", _l("Closed on time")), ("revisit_pass_rate", _l("Re-visits passed")),
    ("recurrence_rate", _l("Recurrences")),
]
#: The audit log's actions (``audit.record``); an issue's and a campaign's steps are named by
#: EVENT_LABELS and CAMPAIGN_EVENT_LABELS under "issue." and "campaign.".
AUDIT_ACTION_LABELS = {
    "login": _l("Sign-in"), "logout": _l("Sign-out"), "access.denied": _l("Access refused"),
    "account.lock": _l("Account locked"), "account.unlock": _l("Account unlocked"),
    "account.notifications": _l("Notification settings changed"),
    "password.change": _l("Password changed"), "password.reset": _l("Password reset"),
    "user.create": _l("Account created"), "user.update": _l("Account changed"),
    "user.activate": _l("Account activated"), "user.deactivate": _l("Account deactivated"),
    "user.conflicts": _l("Conflicts of interest changed"),
    "visit.submit": _l("Visit submitted"), "visit.return": _l("Visit returned for changes"),
    "visit.approve": _l("Visit approved"),
    "finding.add": _l("Finding added"), "finding.dismiss": _l("Finding dismissed"),
    "finding.regrade": _l("Finding regraded"), "finding.restore": _l("Finding restored"),
    "assignment.create": _l("Visit assigned"), "assignment.cancel": _l("Assignment cancelled"),
    "unit.create": _l("Unit created"), "unit.update": _l("Unit changed"),
    "unit.activate": _l("Unit activated"), "unit.deactivate": _l("Unit deactivated"),
    "hall.create": _l("Hall created"), "hall.update": _l("Hall changed"),
    "hall.activate": _l("Hall activated"), "hall.deactivate": _l("Hall deactivated"),
    "window.create": _l("Window created"), "window.update": _l("Window changed"),
    "window.activate": _l("Window activated"), "window.deactivate": _l("Window deactivated"),
    "service_item.create": _l("Service item created"), "service_item.update": _l("Service item changed"),
    "serviceitem.activate": _l("Service item activated"), "serviceitem.deactivate": _l("Service item deactivated"),
    "service_item.import": _l("Service guide imported"),
    "calendar.set": _l("Calendar day set"), "calendar.remove": _l("Calendar day removed"),
    "office.settings": _l("Office settings changed"), "document.number": _l("Document number taken"),
    "export.queued": _l("Export queued"),
    "audit.purge": _l("Audit log purged"), "photo.purge": _l("Photos purged"),
}
AUDIT_RESULT_LABELS = {"ok": _l("done"), "fail": _l("failed"), "denied": _l("refused")}
AUDIT_OBJECT_LABELS = {
    "user": _l("account"), "visit": _l("visit"), "issue": _l("issue"), "finding": _l("finding"),
    "assignment": _l("assignment"), "campaign": _l("campaign"), "unit": _l("unit"), "hall": _l("hall"),
    "window": _l("window"), "service_item": _l("service item"), "serviceitem": _l("service item"),
    "calendar_day": _l("calendar day"), "office_settings": _l("office settings"),
    "document_number": _l("document number"), "job": _l("export"), "file": _l("file"), "route": _l("page"),
    "audit_log": _l("audit log"), "photo": _l("photo"),
}


def audit_action_label(action: str) -> str:
    """The words for an audit row's action (the code itself when it has none)."""
    area, _dot, kind = action.partition(".")
    table = {"issue": EVENT_LABELS, "campaign": CAMPAIGN_EVENT_LABELS}.get(area)
    label = table.get(kind) if table is not None else AUDIT_ACTION_LABELS.get(action)
    if label is None:
        return action
    return str(label) if table is None else _("%(area)s: %(step)s", area=_AREA_LABELS[area], step=label)


_AREA_LABELS = {"issue": _l("Issue"), "campaign": _l("Campaign")}


def audit_detail(action: str, detail: str) -> str:
    """An audit row's detail; an issue step's "state->state" in words."""
    before, arrow, after = detail.partition("->")
    if not action.startswith("issue.") or not arrow:
        return detail
    known = {state.value for state in IssueState}
    return " → ".join(str(STATE_LABELS[IssueState(s)]) if s in known else s for s in (before, after) if s)
