"""Review of visits, issues from findings, and the rectification loop (交办→整改→反馈→复核→销号).

- ``review``: leaders weigh a visit's findings and approve it; findings become issues;
- ``lifecycle``: the unit's and the leaders' steps on an issue, each one recorded;
- ``contests``: a unit contests an issue (申诉); a leader transfers, dismisses or rejects;
- ``queries``: lists, to-do counts and evidence for a viewer;
- ``unit_view``: an issue as its units see it, built without the visits (never the inspector).

Callers use the package (``issues.approve(...)``), not its modules.
"""

from app.services.issues.contests import contest, default_deadline, dismiss_finding, reject, resumed_deadline, transfer
from app.services.issues.lifecycle import (
    ESCALATION_MAX,
    MAX_EVIDENCE,
    IssueSettings,
    begin_review,
    china_today,
    close_with_reason,
    decide_extension,
    escalate,
    explain,
    is_responsible,
    report,
    request_extension,
    send_back,
    start,
    steps,
    update_settings,
)
from app.services.issues.queries import (
    IssueFilter,
    Todo,
    for_unit,
    for_unit_query,
    leader_todo,
    search,
    search_query,
    unit_todo,
    visible_evidence,
    with_history,
)
from app.services.issues.review import (
    GUIDE_CATEGORIES,
    RECTIFICATION_DAYS,
    ApprovalPlan,
    ManualFinding,
    add_manual,
    approval_plan,
    approve,
    dismiss,
    regrade,
    restore,
    return_visit,
)
from app.services.issues.revisits import companions, draw_inspector, finders, judge, send_revisit
from app.services.issues.unit_view import UNIT_EVENT_AS, UNIT_HIDDEN_EVENTS, UNIT_VIEW_LOADS, UnitIssue, unit_view

__all__ = [
    # Review of visits
    "GUIDE_CATEGORIES", "RECTIFICATION_DAYS", "ManualFinding", "add_manual", "ApprovalPlan", "approval_plan", "approve",
    "dismiss", "regrade", "restore", "return_visit",
    # The unit's steps
    "MAX_EVIDENCE", "china_today", "explain", "is_responsible", "report", "request_extension",
    "start", "steps",
    # The leaders' steps
    "ESCALATION_MAX", "IssueSettings", "begin_review", "close_with_reason",
    "decide_extension", "escalate", "send_back", "update_settings",
    # Contests (申诉)
    "contest", "default_deadline", "dismiss_finding", "reject", "resumed_deadline", "transfer",
    # Re-visits that verify
    "companions", "draw_inspector", "finders", "judge", "send_revisit",
    # Queries
    "IssueFilter", "Todo", "for_unit", "for_unit_query", "leader_todo", "search", "search_query", "unit_todo",
    "visible_evidence", "with_history",
    # What a unit sees
    "UNIT_EVENT_AS", "UNIT_HIDDEN_EVENTS", "UNIT_VIEW_LOADS", "UnitIssue", "unit_view",
]
