"""The leaders' dashboard figures, every one an aggregate query (SQLite and PostgreSQL alike).

- ``scope``: the filter, the previous period or campaign, and which visits count;
- ``figures``: rates and means per unit, per window or overall;
- ``summary``: headline counts (visits, findings, issues);
- ``ranking``: the red and black lists and their score;
- ``series``: weekly trends, the waits' histogram, the halls' positions;
- ``board``: all of it for one filter, beside the previous one.

Callers use the package (``metrics.dashboard(...)``), not its modules.
"""

from app.services.metrics.board import Compared, Dashboard, GroupRow, dashboard, groups
from app.services.metrics.figures import FIGURE_NAMES, Figures, figures
from app.services.metrics.ranking import LIST_LENGTH, WEIGHTS, Ranked, Ranking, ranking
from app.services.metrics.scope import DEFAULT_DAYS, MAX_DAYS, Filter, default_filter, period, previous
from app.services.metrics.series import WAIT_EDGES, Bin, HallPoint, Week, halls, waits, weeks
from app.services.metrics.summary import Summary, summary

__all__ = [
    "DEFAULT_DAYS", "FIGURE_NAMES", "LIST_LENGTH", "MAX_DAYS", "WAIT_EDGES", "WEIGHTS", "Bin", "Compared",
    "Dashboard", "Figures", "Filter", "GroupRow", "HallPoint", "Ranked", "Ranking", "Summary", "Week", "dashboard",
    "default_filter", "figures", "groups", "halls", "period", "previous", "ranking", "summary", "waits", "weeks",
]
