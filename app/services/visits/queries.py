"""Lists of visits and assignments: the inspector's home and the leaders' review queue."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from app.database import load_collections
from app.extensions import db
from app.models import Assignment, AssignmentState, Hall, ServiceItem, User, Visit, VisitState, Window
from app.services import calendar

#: Lists show each row's hall, window and matter: many-to-one, so joined into the one query
#: (a selectin load would cost a query each on every home page).
_PLACE = (joinedload(Visit.window, innerjoin=True).joinedload(Window.hall, innerjoin=True),
          joinedload(Visit.service_item))


#: The lists of the inspector's home, built once: a page runs them with its values (building and
#: keying a statement costs as much as running it, and these run on every home page).
#: The drafts come with what the phone keeps of each (answers, materials, photos): a query per
#: collection for the whole list, not three per draft.
#: Most homes have none, and an ORM statement costs its row processors (four mappers' columns
#: and loaders, ~0.3 ms) even when it finds nothing: the ids come first, as plain values.
_DRAFT_IDS = (sa.select(Visit.id).where(Visit.inspector_id == sa.bindparam("inspector_id"),
                                        Visit.state.in_((VisitState.DRAFT, VisitState.RETURNED))))
_DRAFTS = (sa.select(Visit).where(Visit.id.in_(sa.bindparam("ids", expanding=True)))
           .options(*_PLACE, selectinload(Visit.answers), selectinload(Visit.materials),
                    selectinload(Visit.photos))
           .order_by(Visit.updated_at.desc(), Visit.id.desc()))
#: The submitted list shows only these fields: plain rows, not visits with their places loaded.
_SUBMITTED = (sa.select(Visit.uuid, Visit.state, Visit.submitted_at, Hall.name.label("hall"),
                        Window.number.label("window_number"), Window.name.label("window_name"))
              .join(Visit.window).join(Window.hall)
              .where(Visit.inspector_id == sa.bindparam("inspector_id"),
                     Visit.state.in_((VisitState.SUBMITTED, VisitState.APPROVED)))
              .order_by(Visit.submitted_at.desc()).limit(sa.bindparam("limit")))
#: Which of an inspector's assignments are open, and in what order (earliest due first).
_OPEN = (Assignment.inspector_id == sa.bindparam("inspector_id"), Assignment.state == AssignmentState.OPEN,
         Assignment.unsealed(sa.bindparam("today", type_=sa.Date)))
_DUE_FIRST = (Assignment.due_date.is_(None), Assignment.due_date, Assignment.id)
_OPEN_ASSIGNMENTS = (
    sa.select(Assignment).where(*_OPEN)
    .options(joinedload(Assignment.window, innerjoin=True).joinedload(Window.hall, innerjoin=True),
             joinedload(Assignment.service_item))
    .order_by(*_DUE_FIRST))
#: The home's cards show only these fields: plain rows.
_ASSIGNMENT_CARDS = (
    sa.select(Assignment.id, Assignment.window_id, Assignment.service_item_id, Assignment.persona,
              Assignment.note, Assignment.due_date, Hall.name.label("hall"), Window.number.label("window_number"),
              Window.name.label("window_name"), ServiceItem.name.label("item_name"))
    .join(Assignment.window).join(Window.hall).outerjoin(Assignment.service_item)
    .where(*_OPEN).order_by(*_DUE_FIRST))


def drafts(inspector: User) -> list[Visit]:
    """Drafts and returned visits, newest first, with their places and what the phone keeps."""
    ids = list(db.session.scalars(_DRAFT_IDS, {"inspector_id": inspector.id}))
    return list(db.session.scalars(_DRAFTS, {"ids": ids})) if ids else []


def submitted(inspector: User, limit: int = 30) -> list[sa.Row]:
    """Submitted and approved visits, newest first: uuid, state, submitted_at, hall,
    window_number, window_name."""
    return list(db.session.execute(_SUBMITTED, {"inspector_id": inspector.id, "limit": limit}))


def open_assignments(inspector: User) -> list[Assignment]:
    """The inspector's open assignments that are not sealed, earliest due first."""
    return list(db.session.scalars(_OPEN_ASSIGNMENTS, {"inspector_id": inspector.id,
                                                       "today": calendar.china_today()}))


def assignment_cards(inspector: User) -> list[sa.Row]:
    """``open_assignments`` as the home shows them: id, window_id, service_item_id, persona, note,
    due_date, hall, window_number, window_name, item_name (None without a matter)."""
    return list(db.session.execute(_ASSIGNMENT_CARDS, {"inspector_id": inspector.id,
                                                       "today": calendar.china_today()}))


def for_review_query(campaign_id: int | None = None) -> sa.Select:
    """Submitted visits for the leaders (of one campaign, if given), oldest first."""
    stmt = sa.select(Visit).where(Visit.state == VisitState.SUBMITTED)
    if campaign_id:
        stmt = stmt.where(Visit.assignment.has(Assignment.campaign_id == campaign_id))
    return (stmt.options(*_PLACE, joinedload(Visit.inspector, innerjoin=True))
            .order_by(Visit.submitted_at, Visit.id))


def for_review(campaign_id: int | None = None) -> list[Visit]:
    return list(db.session.scalars(for_review_query(campaign_id)))


def record(visit_id: int) -> Visit | None:
    """One visit for its full record (the review page): what the page shows of its place, matter,
    inspector and checklist version joined into one query, not loaded one by one; its answers,
    materials, photos and earlier submissions with a plain statement each."""
    visit = db.session.scalar(_RECORD, {"visit_id": visit_id})
    if visit is not None:
        load_collections(visit, "answers", "materials", "photos", "revisions")
    return visit


_RECORD = sa.select(Visit).where(Visit.id == sa.bindparam("visit_id")).options(
    *_PLACE, joinedload(Visit.inspector, innerjoin=True), joinedload(Visit.survey_version, innerjoin=True),
    joinedload(Visit.window, innerjoin=True).joinedload(Window.unit))  # the approval plan names it
