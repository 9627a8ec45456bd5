"""What a re-visit was sent to verify, and the inspector's verdict on each point."""

from __future__ import annotations

import enum
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, enum_column
from app.models.catalogue import ServiceItem
from app.models.issue import Category, Finding, Issue
from app.models.visit import Assignment, Visit


class Verdict(enum.StrEnum):
    FIXED = "fixed"  # 已整改
    NOT_FIXED = "not_fixed"  # 未整改
    NOT_CHECKED = "not_checked"  # 未能核实


class RevisitCheck(Base):
    """One point a re-visit must verify: a finding of an issue, in the words the unit saw."""

    __tablename__ = "revisit_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(sa.ForeignKey("assignments.id", ondelete="CASCADE"), index=True)
    issue_id: Mapped[int] = mapped_column(sa.ForeignKey("issues.id", ondelete="CASCADE"), index=True)
    finding_id: Mapped[int] = mapped_column(sa.ForeignKey("findings.id"))
    position: Mapped[int] = mapped_column(default=0)
    category: Mapped[Category] = mapped_column(enum_column(Category))
    #: The finding as the unit saw it (title and detail), never who found it.
    text: Mapped[str] = mapped_column(sa.String(1200))
    #: A materials point can only be judged fixed by going through this matter.
    service_item_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("service_items.id"))

    assignment: Mapped[Assignment] = relationship()
    issue: Mapped[Issue] = relationship()
    finding: Mapped[Finding] = relationship()
    service_item: Mapped[Optional[ServiceItem]] = relationship()

    __table_args__ = (sa.UniqueConstraint("assignment_id", "finding_id"),)


class RevisitVerdict(Base):
    """A re-visit's verdict on one point: fixed, not fixed, or could not check."""

    __tablename__ = "revisit_verdicts"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    check_id: Mapped[int] = mapped_column(sa.ForeignKey("revisit_checks.id", ondelete="CASCADE"))
    verdict: Mapped[Verdict] = mapped_column(enum_column(Verdict))

    visit: Mapped[Visit] = relationship()
    check: Mapped[RevisitCheck] = relationship()

    __table_args__ = (sa.UniqueConstraint("visit_id", "check_id"),)
