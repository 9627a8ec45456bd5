"""Checklist versions, assignments and visits (with answers and requested materials)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, enum_column, utcnow
from app.models.campaign import Campaign, CampaignState
from app.models.catalogue import ServiceItem, Window
from app.models.user import User


class SurveyVersion(Base):
    """The stored copy of one checklist template version, as visits used it."""

    __tablename__ = "survey_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(50))
    version: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    #: Deferred: read only when a process parses this version for the first time
    #: (``checklists.stored_template``); every visit request loads the row for its key.
    definition: Mapped[dict[str, Any]] = mapped_column(sa.JSON, deferred=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.UniqueConstraint("key", "version"),)


class AssignmentState(enum.StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class Assignment(Base):
    """A window visit given to an inspector (by hand now; by a campaign's draw later)."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspector_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    window_id: Mapped[int] = mapped_column(sa.ForeignKey("windows.id"), index=True)
    service_item_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("service_items.id"))
    #: The cover story (如“个体经营者咨询开办餐饮店”).
    persona: Mapped[str] = mapped_column(sa.String(200), default="")
    due_date: Mapped[Optional[date]]
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    state: Mapped[AssignmentState] = mapped_column(enum_column(AssignmentState), default=AssignmentState.OPEN)
    created_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The campaign whose draw made it; sealed (unseen by the inspector) until the campaign starts.
    campaign_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("campaigns.id", ondelete="CASCADE"),
                                                       index=True)
    #: Which visit of the same target this is (1, 2… with distinct inspectors).
    round: Mapped[int] = mapped_column(default=1, server_default="1")

    inspector: Mapped[User] = relationship(foreign_keys=[inspector_id])
    window: Mapped[Window] = relationship()
    service_item: Mapped[Optional[ServiceItem]] = relationship()
    campaign: Mapped[Optional[Campaign]] = relationship()

    @classmethod
    def unsealed(cls, today: date | sa.ColumnElement[date]) -> sa.ColumnElement[bool]:
        """Assignments an inspector may see: by hand, or of a campaign that has started (四不两直:
        a drawn campaign stays sealed until its start, so nobody learns of it early)."""
        return sa.or_(cls.campaign_id.is_(None),
                      cls.campaign.has(sa.and_(Campaign.state == CampaignState.ACTIVE, Campaign.starts_on <= today)))

    def cancel(self) -> None:
        """A leader withdraws an assignment that has not been done."""
        if self.state is not AssignmentState.OPEN:
            raise ValueError("only open assignments can be cancelled")
        self.state = AssignmentState.CANCELLED


class VisitState(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    APPROVED = "approved"


#: The one-tap marks of the visit screen, in the order they happen.
MARKS = ("arrived", "ticket", "called", "served", "finished")


class InvalidTransition(Exception):
    """A state change the current state does not allow."""


class Visit(Base):
    """One undercover visit, identified by a UUID made on the inspector's phone."""

    __tablename__ = "visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Made on the phone (crypto.randomUUID); unique, so a repeated submit finds the same visit.
    uuid: Mapped[str] = mapped_column(sa.String(36), unique=True)
    inspector_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    assignment_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("assignments.id"), index=True)
    window_id: Mapped[int] = mapped_column(sa.ForeignKey("windows.id"), index=True)
    service_item_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("service_items.id"))
    survey_version_id: Mapped[int] = mapped_column(sa.ForeignKey("survey_versions.id"))
    state: Mapped[VisitState] = mapped_column(enum_column(VisitState), default=VisitState.DRAFT, index=True)
    arrived_at: Mapped[Optional[datetime]]
    ticket_at: Mapped[Optional[datetime]]
    called_at: Mapped[Optional[datetime]]
    served_at: Mapped[Optional[datetime]]
    finished_at: Mapped[Optional[datetime]]
    #: SHA-256 of the submitted content: the same submit again is accepted, another is refused.
    payload_sha256: Mapped[Optional[str]] = mapped_column(sa.String(64))
    #: The dashboard counts visits by the day they were submitted (indexed).
    submitted_at: Mapped[Optional[datetime]] = mapped_column(index=True)
    # Where the phone was (browser geolocation, WGS-84), asked for on a tap.
    latitude: Mapped[Optional[float]]
    longitude: Mapped[Optional[float]]
    accuracy_m: Mapped[Optional[float]]
    position_at: Mapped[Optional[datetime]]
    #: Geodesic distance to the hall's position, when both are known.
    distance_m: Mapped[Optional[float]]
    return_comment: Mapped[str] = mapped_column(sa.String(1000), default="")
    # Figures kept at submit for the dashboard's aggregates (None when not recorded): the
    # wait in minutes (wait_minutes), trips the matter took, and the attitude score (1–5).
    wait_min: Mapped[Optional[int]]
    trips: Mapped[Optional[int]]
    attitude: Mapped[Optional[int]]
    #: When the visit began on the phone: the archive sorts and filters by it (indexed).
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    inspector: Mapped[User] = relationship()
    assignment: Mapped[Optional[Assignment]] = relationship()
    window: Mapped[Window] = relationship()
    service_item: Mapped[Optional[ServiceItem]] = relationship()
    survey_version: Mapped[SurveyVersion] = relationship()
    answers: Mapped[list[VisitAnswer]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", order_by="VisitAnswer.id")
    materials: Mapped[list[VisitMaterial]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", order_by="VisitMaterial.position")
    photos: Mapped[list[Photo]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", order_by="Photo.id")
    #: What each earlier submission held, kept when a leader returned it (never changed).
    revisions: Mapped[list[VisitRevision]] = relationship(
        back_populates="visit", order_by="VisitRevision.number", passive_deletes=True)

    @property
    def editable(self) -> bool:
        """The inspector may still change it (a draft, or returned by a leader)."""
        return self.state in (VisitState.DRAFT, VisitState.RETURNED)

    def mark(self, name: str) -> datetime | None:
        return getattr(self, f"{name}_at")

    @staticmethod
    def _minutes(start: datetime | None, end: datetime | None) -> int | None:
        if start is None or end is None or end < start:
            return None
        return round((end - start).total_seconds() / 60)

    @property
    def wait_minutes(self) -> int | None:
        """Ticket taken -> called."""
        return self._minutes(self.ticket_at, self.called_at)

    @property
    def service_minutes(self) -> int | None:
        """Served -> finished."""
        return self._minutes(self.served_at, self.finished_at)

    def answers_dict(self) -> dict[str, Any]:
        return {a.question_key: a.value for a in self.answers}

    def submit(self, now: datetime, payload_sha256: str) -> None:
        """Hand the visit in for review."""
        if not self.editable:
            raise InvalidTransition(f"a {self.state} visit cannot be submitted")
        self.state = VisitState.SUBMITTED
        self.submitted_at = now
        self.payload_sha256 = payload_sha256

    def approve(self) -> None:
        """A leader accepts a submitted visit; its findings go on to become issues."""
        if self.state is not VisitState.SUBMITTED:
            raise InvalidTransition(f"a {self.state} visit cannot be approved")
        self.state = VisitState.APPROVED

    def return_to_inspector(self, comment: str, submission: dict[str, Any], leader: User, now: datetime) -> None:
        """A leader sends a submitted visit back for changes; ``submission`` (what they reviewed:
        answers, materials, marks…) is kept as the visit's next revision."""
        if self.state is not VisitState.SUBMITTED:
            raise InvalidTransition(f"a {self.state} visit cannot be returned")
        self.revisions.append(VisitRevision(
            number=len(self.revisions) + 1, submitted_at=self.submitted_at, returned_at=now, returned_by=leader,
            return_comment=comment, payload_sha256=self.payload_sha256, content=submission))
        self.state = VisitState.RETURNED
        self.return_comment = comment


class VisitRevision(Base):
    """A submission of a visit as the leader reviewed it, kept when the leader returned it.

    ``number`` counts the visit's submissions (1: the first); the visit's current submission
    is number ``len(visit.revisions) + 1``. ``content`` holds the answers ({question key:
    value}), materials, timer marks, matter, position and figures as they were; a revision
    is written once and never changed (see ``_immutable`` below).
    """

    __tablename__ = "visit_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    #: When that submission was made, and when and by whom it was returned, with the comment.
    submitted_at: Mapped[Optional[datetime]]
    returned_at: Mapped[datetime] = mapped_column(default=utcnow)
    returned_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))
    return_comment: Mapped[str] = mapped_column(sa.String(1000), default="")
    payload_sha256: Mapped[Optional[str]] = mapped_column(sa.String(64))
    content: Mapped[dict[str, Any]] = mapped_column(sa.JSON)

    visit: Mapped[Visit] = relationship(back_populates="revisions")
    returned_by: Mapped[Optional[User]] = relationship()

    __table_args__ = (sa.UniqueConstraint("visit_id", "number"),)


@sa.event.listens_for(VisitRevision, "before_update")
@sa.event.listens_for(VisitRevision, "before_delete")
def _immutable(_mapper: Any, _connection: Any, revision: VisitRevision) -> None:
    """A kept submission is history: an attempt to change or delete it fails the flush."""
    raise InvalidTransition(f"revision {revision.number} of visit {revision.visit_id} cannot change")


class VisitAnswer(Base):
    """The answer to one checklist question (JSON value), one row per question."""

    __tablename__ = "visit_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    question_key: Mapped[str] = mapped_column(sa.String(50))
    value: Mapped[Any] = mapped_column(sa.JSON)

    visit: Mapped[Visit] = relationship(back_populates="answers")

    __table_args__ = (sa.UniqueConstraint("visit_id", "question_key"),)


class MaterialKind(enum.StrEnum):
    """How a material the window asked for stands against the service guide."""

    IN_GUIDE = "in_guide"
    EXTRA = "extra"  # 多要材料
    ABOLISHED = "abolished"
    SHARED = "shared"  # obtainable by data sharing


class VisitMaterial(Base):
    """A material the window asked for, classified against the guide when recorded."""

    __tablename__ = "visit_materials"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(sa.String(150))
    kind: Mapped[MaterialKind] = mapped_column(enum_column(MaterialKind))
    #: The guide's material, when it is one (kept as the name too, since guides change).
    required_material_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("required_materials.id", ondelete="SET NULL"))

    visit: Mapped[Visit] = relationship(back_populates="materials")


class Photo(Base):
    """A photo of a visit, stored re-encoded without metadata, with its thumbnail.

    The GPS position and time found in the original file's EXIF are kept here as data
    (never in the served file), for inspectors and leaders only.
    """

    __tablename__ = "photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Made on the phone, so a retried upload finds the same photo.
    uuid: Mapped[str] = mapped_column(sa.String(36), unique=True)
    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    question_key: Mapped[Optional[str]] = mapped_column(sa.String(50))
    storage_key: Mapped[str] = mapped_column(sa.String(100))
    thumbnail_key: Mapped[str] = mapped_column(sa.String(100))
    #: SHA-256 of the stored file, and of the file as it arrived.
    sha256: Mapped[str] = mapped_column(sa.String(64))
    original_sha256: Mapped[str] = mapped_column(sa.String(64))
    width: Mapped[int]
    height: Mapped[int]
    bytes: Mapped[int]
    #: The file's own time as the phone reported it (File.lastModified).
    taken_at: Mapped[Optional[datetime]]
    exif_taken_at: Mapped[Optional[datetime]]
    exif_latitude: Mapped[Optional[float]]
    exif_longitude: Mapped[Optional[float]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When the retention purge removed the files (the row stays as the record that the photo
    #: existed, with its SHA-256); None while the files are kept.
    purged_at: Mapped[Optional[datetime]]

    visit: Mapped[Visit] = relationship(back_populates="photos")

    @property
    def keys(self) -> list[str]:
        """The stored files (image and thumbnail)."""
        return [self.storage_key, self.thumbnail_key]
