"""A sample campaign for the demo county: drawn with a fixed seed and under way from today."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from app.extensions import db
from app.models import Campaign, Hall, Role, User
from app.services import checklists
from app.services.campaigns.planning import CampaignData, run_draw, save, start

NAME = "2026年第四季度“如我+”暗访（示例）"
HALLS = ("安远县政务服务中心", "安远县产城新区云服务大厅")
SEED = 20261128


def seed_sample(today: date) -> Campaign | None:
    """Plan, draw and start the sample campaign, unless the county already has a campaign."""
    if db.session.scalar(sa.select(sa.func.count()).select_from(Campaign)):
        return None
    leader = db.session.scalar(sa.select(User).where(User.role == Role.LEADER).order_by(User.id))
    halls = list(db.session.scalars(sa.select(Hall.id).where(Hall.name.in_(HALLS))))
    people = list(db.session.scalars(sa.select(User.id).where(User.role == Role.INSPECTOR, User.active.is_(True))))
    if leader is None or not halls or not people:
        return None
    template = checklists.registry().current()
    campaign = save(CampaignData(
        name=NAME, starts_on=today, ends_on=today + timedelta(days=30), survey=f"{template.key}:{template.version}",
        targets_wanted=6, visits_per_target=1, due_working_days=10, hall_window_ids=tuple(halls),
        inspector_ids=tuple(people)), actor=leader)
    run_draw(campaign, actor=leader, seed=SEED)
    start(campaign, actor=leader)
    return campaign
