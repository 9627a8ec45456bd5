"""A campaign's life: planned (pools), drawn, started, closed, published — each step guarded by
the state table on the model, recorded as an event and an audit row."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models import (
    Assignment,
    Campaign,
    CampaignEvent,
    CampaignInvalidTransition,
    CampaignState,
    Draw,
    Hall,
    PoolEntry,
    PoolKind,
    Role,
    ServiceItem,
    User,
    Window,
)
from app.services import audit, calendar, checklists
from app.services.campaigns import draw as drawing
from app.services.campaigns.inputs import draw_inputs
from app.services.errors import ServiceError
from app.services.notifications import events as notification_events

NAME_MAX = 120


@dataclass(frozen=True)
class CampaignData:
    name: str
    starts_on: date
    ends_on: date
    survey: str  # "key:version"
    targets_wanted: int | None
    visits_per_target: int
    due_working_days: int
    hall_ids: tuple[int, ...] = ()
    hall_window_ids: tuple[int, ...] = ()  # every window of these halls
    window_ids: tuple[int, ...] = ()
    service_item_ids: tuple[int, ...] = ()
    inspector_ids: tuple[int, ...] = ()


def survey_choices() -> list[tuple[str, str]]:
    """Every checklist template version the app knows, newest first."""
    templates = checklists.registry().templates
    return [(f"{key}:{version}", f"{t.title.get()} · v{version}")
            for (key, version), t in sorted(templates.items(), key=lambda kv: (kv[0][0], -kv[0][1]))]


def survey_title(campaign: Campaign) -> str:
    """The campaign's checklist as leaders know it (title and version)."""
    return dict(survey_choices()).get(f"{campaign.survey_key}:{campaign.survey_version}",
                                      f"{campaign.survey_key} · v{campaign.survey_version}")


def _check(data: CampaignData) -> tuple[str, int]:
    if not data.name.strip():
        raise ServiceError(_l("Give the campaign a name."), field="name")
    if len(data.name.strip()) > NAME_MAX:
        raise ServiceError(_l("Use at most %(n)d characters.", n=NAME_MAX), field="name")
    if data.ends_on < data.starts_on:
        raise ServiceError(_l("The campaign ends before it starts."), field="ends_on")
    key, _sep, version = data.survey.partition(":")
    if not version.isdigit() or (key, int(version)) not in checklists.registry().templates:
        raise ServiceError(_l("Choose a checklist template."), field="survey")
    if not 1 <= data.visits_per_target <= 5:
        raise ServiceError(_l("Between 1 and 5 visits per target."), field="visits_per_target")
    if data.targets_wanted is not None and data.targets_wanted < 1:
        raise ServiceError(_l("Draw at least one target, or leave it empty to visit every target."),
                           field="targets_wanted")
    if not 1 <= data.due_working_days <= 60:
        raise ServiceError(_l("Between 1 and 60 working days."), field="due_working_days")
    if not (data.hall_ids or data.hall_window_ids or data.window_ids or data.service_item_ids):
        raise ServiceError(_l("Choose at least one hall, window or service item to draw from."), field="window_ids")
    return key, int(version)


def _pool(data: CampaignData) -> list[PoolEntry]:
    def rows(model: Any, ids: tuple[int, ...], field: str) -> list[Any]:
        found: list[Any] = list(db.session.scalars(sa.select(model).where(model.id.in_(ids), model.active.is_(True))))
        if len(found) != len(set(ids)):
            raise ServiceError(_l("Choose from the list."), field=field)
        return found

    entries = [PoolEntry(kind=PoolKind.HALL, hall=h) for h in rows(Hall, data.hall_ids, "hall_ids")]
    entries += [PoolEntry(kind=PoolKind.HALL_WINDOWS, hall=h) for h in rows(Hall, data.hall_window_ids,
                                                                            "hall_window_ids")]
    entries += [PoolEntry(kind=PoolKind.WINDOW, window=w) for w in rows(Window, data.window_ids, "window_ids")]
    entries += [PoolEntry(kind=PoolKind.SERVICE_ITEM, service_item=i)
                for i in rows(ServiceItem, data.service_item_ids, "service_item_ids")]
    return entries


def _inspectors(data: CampaignData) -> list[User]:
    people = list(db.session.scalars(sa.select(User).where(
        User.id.in_(data.inspector_ids), User.role == Role.INSPECTOR, User.active.is_(True))))
    if len(people) != len(set(data.inspector_ids)) or len(people) < data.visits_per_target:
        raise ServiceError(_l("Choose at least %(n)d active inspectors.", n=data.visits_per_target),
                           field="inspector_ids")
    return people


def _event(campaign: Campaign, actor: User, kind: str, previous: CampaignState | None = None,
           note: str = "") -> None:
    campaign.events.append(CampaignEvent(actor_id=actor.id, kind=kind, note=note[:500],
                                         from_state=previous.value if previous else None,
                                         to_state=campaign.state.value))
    db.session.flush()
    audit.record(f"campaign.{kind}", actor=actor, object_type="campaign", object_id=campaign.id, detail=note[:200])


def save(data: CampaignData, campaign: Campaign | None = None, *, actor: User) -> Campaign:
    """Create a campaign, or change one that has not been drawn."""
    key, version = _check(data)
    if campaign is not None and campaign.state is not CampaignState.DRAFT:
        raise ServiceError(_l("A drawn campaign cannot be changed; send it back to planning first."))
    pool, people = _pool(data), _inspectors(data)
    created = campaign is None
    campaign = campaign or Campaign(created_by_id=actor.id)
    campaign.name, campaign.starts_on, campaign.ends_on = data.name.strip(), data.starts_on, data.ends_on
    campaign.survey_key, campaign.survey_version = key, version
    campaign.targets_wanted, campaign.visits_per_target = data.targets_wanted, data.visits_per_target
    campaign.due_working_days = data.due_working_days
    campaign.pool = pool
    campaign.inspectors = people
    db.session.add(campaign)
    db.session.flush()
    _event(campaign, actor, "created" if created else "changed")
    return campaign


def _move(campaign: Campaign, to: CampaignState, actor: User, kind: str, note: str = "") -> None:
    try:
        previous = campaign.move(to)
    except CampaignInvalidTransition as exc:
        raise ServiceError(_l("This step is not possible in the campaign's present state.")) from exc
    _event(campaign, actor, kind, previous, note)


class DrawFailed(ServiceError):
    """No pairing exists; ``problems`` say which constraint fails for which target or inspector."""

    def __init__(self, problems: list[dict[str, object]]) -> None:
        super().__init__(_l("No draw satisfies every rule."))
        self.problems = problems


def run_draw(campaign: Campaign, *, actor: User, reason: str = "", seed: int | None = None) -> Draw:
    """Draw targets and inspectors (again, with a reason, while still sealed before the start)."""
    redraw = campaign.state is CampaignState.DRAWN
    if redraw and not reason.strip():
        raise ServiceError(_l("Say why the draw is run again."), field="reason")
    if campaign.state not in (CampaignState.DRAFT, CampaignState.DRAWN):
        raise ServiceError(_l("This step is not possible in the campaign's present state."))
    seed = secrets.randbits(63) if seed is None else seed
    inputs = draw_inputs(campaign)
    result = drawing.run(inputs, seed)
    if "problems" in result:
        raise DrawFailed(result["problems"])
    if redraw:
        db.session.execute(sa.delete(Assignment).where(Assignment.campaign_id == campaign.id))
    record = Draw(campaign=campaign, algorithm=drawing.ALGORITHM, seed=str(seed), inputs=drawing.canonical(inputs),
                  result=result, reason=reason.strip()[:500], created_by_id=actor.id)
    db.session.add(record)
    _create_assignments(campaign, result["assignments"], actor)
    _move(campaign, CampaignState.DRAWN, actor, "redrawn" if redraw else "drawn", reason.strip())
    return record


def _create_assignments(campaign: Campaign, rows: list[dict[str, Any]], actor: User) -> None:
    due = calendar.add_working_days(campaign.starts_on, campaign.due_working_days)
    due = min(due, campaign.ends_on)
    items = {i.id: i for i in db.session.scalars(sa.select(ServiceItem).where(
        ServiceItem.id.in_({r["item"] for r in rows if r["item"]})))}
    for row in rows:
        item = items.get(row["item"])
        scenario = str(row["scenario"] or "")
        db.session.add(Assignment(
            inspector_id=row["inspector"], window_id=row["window"], service_item=item, campaign=campaign,
            round=row["round"], persona=(scenario or str(_l("an ordinary applicant")))[:200], due_date=due,
            note=_what_to_ask(item, scenario)[:500], created_by_id=actor.id))
    db.session.flush()


def _what_to_ask(item: ServiceItem | None, scenario: str) -> str:
    if item is None:
        return str(_l("Ask at the window what is needed for a matter it handles."))
    if scenario:
        return str(_l("Ask to handle “%(item)s” as: %(scenario)s.", item=item.name, scenario=scenario))
    return str(_l("Ask to handle “%(item)s”.", item=item.name))


def check_draw(record: Draw) -> bool:
    """Re-run the draw from its stored seed and inputs: does it give the stored result?"""
    if record.algorithm != drawing.ALGORITHM:
        return False
    return drawing.run(record.inputs, int(record.seed)) == record.result


def back_to_planning(campaign: Campaign, *, actor: User, reason: str) -> None:
    """Undo a draw before the start (to change the pools): its assignments go."""
    if not reason.strip():
        raise ServiceError(_l("Say why the draw is run again."), field="reason")
    _move(campaign, CampaignState.DRAFT, actor, "undrawn", reason.strip())
    db.session.execute(sa.delete(Assignment).where(Assignment.campaign_id == campaign.id))


def start(campaign: Campaign, *, actor: User) -> None:
    """Open the campaign: inspectors see their assignments from its start date."""
    _move(campaign, CampaignState.ACTIVE, actor, "started")
    notification_events.campaign_started(campaign)


def close(campaign: Campaign, *, actor: User) -> None:
    """End the campaign: its assignments leave the inspectors' lists; what was not done shows."""
    _move(campaign, CampaignState.CLOSED, actor, "closed")


def publish(campaign: Campaign, *, actor: User) -> None:
    """一公开: the disclosure becomes visible to units."""
    _move(campaign, CampaignState.PUBLISHED, actor, "published")
    campaign.published_on = calendar.china_today()
