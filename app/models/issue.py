"""Findings of visits, the issues they become, and the rectification timeline."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, enum_column, utcnow
from app.models.catalogue import Hall, Unit, Window
from app.models.user import User
from app.models.visit import InvalidTransition, Visit


class Category(enum.StrEnum):
    """What kind of problem (DESIGN.md)."""

    MATERIALS = "materials"  # 材料
    EFFICIENCY = "efficiency"  # 效率
    ATTITUDE = "attitude"  # 态度
    DISCIPLINE = "discipline"  # 纪律
    NOTIFICATION = "notification"  # 告知
    FEES = "fees"  # 收费
    INTEGRATION = "integration"  # 集成与网办
    ENVIRONMENT = "environment"  # 环境
    OTHER = "other"


class Severity(enum.StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


class FindingState(enum.StrEnum):
    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"


class Finding(Base):
    """A problem a rule (or a leader) found in one visit."""

    __tablename__ = "findings"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    #: The rule that made it ("q:attitude_score", "guide:extra_materials"), or "manual".
    rule: Mapped[str] = mapped_column(sa.String(80))
    question_key: Mapped[Optional[str]] = mapped_column(sa.String(50))
    category: Mapped[Category] = mapped_column(enum_column(Category))
    severity: Mapped[Severity] = mapped_column(enum_column(Severity))
    #: A finding about the hall itself (signage, environment) has no window.
    hall_level: Mapped[bool] = mapped_column(default=False)
    title_zh: Mapped[str] = mapped_column(sa.String(200))
    title_en: Mapped[str] = mapped_column(sa.String(200))
    #: Text typed by a leader (manual findings), or stored before findings kept their figures.
    detail: Mapped[str] = mapped_column(sa.String(1000), default="")
    #: The figures a guide rule found ({"minutes": "52"}): the detail is rendered from them in
    #: the reader's language by ``app.services.wording`` with the rule's catalogue entry.
    params: Mapped[Optional[dict[str, Any]]] = mapped_column(sa.JSON(none_as_null=True))
    state: Mapped[FindingState] = mapped_column(enum_column(FindingState), default=FindingState.PROPOSED)
    manual: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    issue_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("issues.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    visit: Mapped[Visit] = relationship()

    def title(self, locale: str) -> str:
        return self.title_en if locale == "en" else self.title_zh


class IssueState(enum.StrEnum):
    ASSIGNED = "assigned"  # 已交办
    IN_PROGRESS = "in_progress"  # 整改中
    REPORTED = "reported"  # 已反馈
    UNDER_REVIEW = "under_review"  # 复核中
    CLOSED = "closed"  # 已销号
    REOPENED = "reopened"  # 回潮复发
    CONTESTED = "contested"  # 申诉中: the deadline is paused while a leader decides


class RectificationType(enum.StrEnum):
    IMMEDIATE = "immediate"  # 立行立改
    DEADLINE = "deadline"  # 限期整改
    LONG_TERM = "long_term"  # 长期坚持


#: Which transitions the lifecycle allows (practice.md §6c).
TRANSITIONS: dict[IssueState, frozenset[IssueState]] = {
    IssueState.ASSIGNED: frozenset({IssueState.IN_PROGRESS, IssueState.REPORTED, IssueState.CONTESTED}),
    IssueState.IN_PROGRESS: frozenset({IssueState.REPORTED}),
    IssueState.REPORTED: frozenset({IssueState.UNDER_REVIEW, IssueState.IN_PROGRESS, IssueState.CLOSED}),
    IssueState.UNDER_REVIEW: frozenset({IssueState.CLOSED, IssueState.IN_PROGRESS}),
    IssueState.CLOSED: frozenset({IssueState.REOPENED}),
    IssueState.REOPENED: frozenset({IssueState.IN_PROGRESS, IssueState.REPORTED, IssueState.CONTESTED}),
    # Transferred or contest rejected (back to assigned or reopened), or the finding dismissed.
    IssueState.CONTESTED: frozenset({IssueState.ASSIGNED, IssueState.REOPENED, IssueState.CLOSED}),
}
#: States in which the deadline does not run: closed, or paused while a contest is decided.
DEADLINE_STOPPED = (IssueState.CLOSED, IssueState.CONTESTED)

issue_supporting_units = sa.Table(
    "issue_supporting_units",
    Base.metadata,
    sa.Column("issue_id", sa.ForeignKey("issues.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("unit_id", sa.ForeignKey("units.id", ondelete="CASCADE"), primary_key=True),
)


class Issue(Base):
    """A problem to fix, per window (or hall) and category while open."""

    __tablename__ = "issues"

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(sa.ForeignKey("halls.id"), index=True)
    window_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("windows.id"), index=True)
    category: Mapped[Category] = mapped_column(enum_column(Category))
    state: Mapped[IssueState] = mapped_column(enum_column(IssueState), default=IssueState.ASSIGNED, index=True)
    severity: Mapped[Severity] = mapped_column(enum_column(Severity))
    rectification_type: Mapped[RectificationType] = mapped_column(enum_column(RectificationType))
    deadline: Mapped[date]
    #: What it holds: its distinct problems joined, in Chinese and English (issues.review keeps them).
    title: Mapped[str] = mapped_column(sa.String(200))
    title_en: Mapped[str] = mapped_column(sa.String(200), default="", server_default=sa.text("''"))
    lead_unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    #: 0 none, 1 督办, 2 约谈, 3 通报.
    escalation_level: Mapped[int] = mapped_column(default=0)
    #: Times a review sent it back to in progress.
    rework_count: Mapped[int] = mapped_column(default=0)
    #: Extra working days the unit asked for, waiting for a leader's answer.
    extension_days_requested: Mapped[Optional[int]]
    revisit_assignment_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("assignments.id"))
    opened_on: Mapped[date]
    closed_on: Mapped[Optional[date]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    hall: Mapped[Hall] = relationship()
    window: Mapped[Optional[Window]] = relationship()
    lead_unit: Mapped[Unit] = relationship()
    supporting_units: Mapped[list[Unit]] = relationship(secondary=issue_supporting_units)
    occurrences: Mapped[list[Occurrence]] = relationship(
        back_populates="issue", cascade="all, delete-orphan", order_by="Occurrence.id")
    events: Mapped[list[IssueEvent]] = relationship(
        back_populates="issue", cascade="all, delete-orphan", order_by="IssueEvent.id")
    contests: Mapped[list[IssueContest]] = relationship(
        back_populates="issue", cascade="all, delete-orphan", order_by="IssueContest.id")

    __table_args__ = (sa.CheckConstraint("escalation_level BETWEEN 0 AND 3", name="escalation_range"),)

    @property
    def is_open(self) -> bool:
        return self.state is not IssueState.CLOSED

    def title_in(self, locale: str) -> str:
        """The problems it holds, in English or (otherwise) Chinese."""
        return (self.title_en or self.title) if locale == "en" else self.title

    def overdue(self, today: date) -> bool:
        """Past its deadline, not closed and not paused by a contest (derived, never stored)."""
        return self.state not in DEADLINE_STOPPED and today > self.deadline

    @property
    def open_contest(self) -> IssueContest | None:
        """The contest a leader has yet to decide, if the issue is contested."""
        if self.state is not IssueState.CONTESTED or not self.contests:
            return None
        return self.contests[-1]

    @property
    def paused_days(self) -> int | None:
        """Working days left to the deadline when contested, while the contest waits."""
        contest = self.open_contest
        return contest.days_left if contest else None

    def units(self) -> list[Unit]:
        return [self.lead_unit, *[u for u in self.supporting_units if u.id != self.lead_unit_id]]

    def move(self, to: IssueState) -> IssueState:
        """Change state if the lifecycle allows it; returns the previous state."""
        if to not in TRANSITIONS[self.state]:
            raise InvalidTransition(f"{self.state} -> {to}")
        previous, self.state = self.state, to
        return previous


class Occurrence(Base):
    """One confirmed finding counted against an issue (a repeat adds one)."""

    __tablename__ = "occurrences"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(sa.ForeignKey("issues.id", ondelete="CASCADE"), index=True)
    finding_id: Mapped[int] = mapped_column(sa.ForeignKey("findings.id"), unique=True)
    #: The day of the visit: units see dates, never times.
    observed_on: Mapped[date]
    recurrence: Mapped[bool] = mapped_column(default=False)

    issue: Mapped[Issue] = relationship(back_populates="occurrences")
    finding: Mapped[Finding] = relationship()


class IssueEvent(Base):
    """One step of an issue's timeline: who, when, what, with a note and evidence."""

    __tablename__ = "issue_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(sa.ForeignKey("issues.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))
    #: The actor's role, or "system"; what a unit sees instead of a name for leaders' steps.
    actor_role: Mapped[str] = mapped_column(sa.String(20))
    kind: Mapped[str] = mapped_column(sa.String(40))
    from_state: Mapped[Optional[str]] = mapped_column(sa.String(20))
    to_state: Mapped[Optional[str]] = mapped_column(sa.String(20))
    #: What someone wrote (measures, reasons), shown as written.
    note: Mapped[str] = mapped_column(sa.String(2000), default="")
    #: What the step did, as data ({"changes": [...]}, {"from": ..., "to": ...}, {"days": 3}):
    #: rendered in the reader's language by ``app.services.wording``.
    params: Mapped[Optional[dict[str, Any]]] = mapped_column(sa.JSON(none_as_null=True))

    issue: Mapped[Issue] = relationship(back_populates="events")
    actor: Mapped[Optional[User]] = relationship()
    evidence: Mapped[list[Evidence]] = relationship(back_populates="event", cascade="all, delete-orphan")


class Evidence(Base):
    """A photo a unit gives as evidence of its rectification (re-encoded like visit photos)."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(sa.String(36), unique=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("issue_events.id", ondelete="CASCADE"), index=True)
    storage_key: Mapped[str] = mapped_column(sa.String(100))
    thumbnail_key: Mapped[str] = mapped_column(sa.String(100))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    width: Mapped[int]
    height: Mapped[int]

    event: Mapped[IssueEvent] = relationship(back_populates="evidence")

    @property
    def keys(self) -> list[str]:
        return [self.storage_key, self.thumbnail_key]


class ContestKind(enum.StrEnum):
    NOT_OUR_DUTY = "not_our_duty"  # 非本单位职责
    WRONG_FINDING = "wrong_finding"  # 问题认定有误


class ContestOutcome(enum.StrEnum):
    TRANSFERRED = "transferred"  # 转办
    DISMISSED = "dismissed"  # 撤销
    REJECTED = "rejected"  # 驳回


class IssueContest(Base):
    """A unit's contest (申诉) of an issue and a leader's decision: one row per contest, kept."""

    __tablename__ = "issue_contests"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(sa.ForeignKey("issues.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ContestKind] = mapped_column(enum_column(ContestKind))
    #: The unit that contested, and the one it named as responsible ("not our duty").
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"))
    proposed_unit_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("units.id"))
    reason: Mapped[str] = mapped_column(sa.String(2000))
    contested_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))
    contested_on: Mapped[date]
    #: Where the issue was and how long it had: what a rejection gives back.
    state_before: Mapped[IssueState] = mapped_column(enum_column(IssueState))
    deadline_before: Mapped[date]
    #: Working days left to the deadline when contested (negative when already overdue).
    days_left: Mapped[int]
    outcome: Mapped[Optional[ContestOutcome]] = mapped_column(enum_column(ContestOutcome))
    decided_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))
    decided_on: Mapped[Optional[date]]
    decision_note: Mapped[str] = mapped_column(sa.String(2000), default="")
    #: The unit the issue was transferred to.
    new_unit_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("units.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    issue: Mapped[Issue] = relationship(back_populates="contests")
    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id])
    proposed_unit: Mapped[Optional[Unit]] = relationship(foreign_keys=[proposed_unit_id])
    new_unit: Mapped[Optional[Unit]] = relationship(foreign_keys=[new_unit_id])


class CalendarDay(Base):
    """An announced working day or day off that overrides the holiday calendar (调休)."""

    __tablename__ = "calendar_days"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(unique=True)
    working: Mapped[bool]
    note: Mapped[str] = mapped_column(sa.String(100), default="")
