"""Campaigns (暗访批次) and the 双随机 draw.

- ``draw``: the draw itself, a pure function of its inputs and seed (min-cost flow);
- ``inputs``: the draw's inputs read from the catalogue (pool, inspectors, conflicts, history);
- ``planning``: a campaign's steps — save, draw and redraw, start, close, publish;
- ``progress``: the leaders' board per inspector and target, and the disclosure (一公开).

Callers use the package (``campaigns.run_draw(...)``), not its modules.
"""

from app.services.campaigns.draw import ALGORITHM
from app.services.campaigns.planning import (
    CampaignData,
    DrawFailed,
    back_to_planning,
    check_draw,
    close,
    publish,
    run_draw,
    save,
    start,
    survey_choices,
    survey_title,
)
from app.services.campaigns.progress import STATUSES, Board, Disclosure, board, disclosure, status, visible_to

__all__ = [
    "ALGORITHM",
    # Planning and the draw
    "CampaignData", "DrawFailed", "back_to_planning", "check_draw", "close", "publish", "run_draw", "save",
    "start", "survey_choices", "survey_title",
    # Progress and disclosure
    "STATUSES", "Board", "Disclosure", "board", "disclosure", "visible_to", "status",
]
