"""Translated names of the domain's enumerations, for templates and exports."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.models import Category, IssueState, RectificationType, Severity

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
    "escalated_2": _l("Escalated: admonition talk (约谈)"), "escalated_3": _l("Escalated: circular (通报)"),
    "updated": _l("Details changed"), "closed": _l("Closed out"),
}
