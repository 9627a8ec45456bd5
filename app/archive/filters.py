"""The archive's filters, read from the address (or from an export job's stored copy of it)."""

from __future__ import annotations

from collections.abc import Mapping

from app.args import date_arg, int_arg
from app.models import VisitState
from app.services import visits


def archive_filter(args: Mapping[str, str]) -> visits.ArchiveFilter:
    """The filters of ``args``; what is not understood reads as absent."""
    state = args.get("state", "")
    found = args.get("findings", "")
    return visits.ArchiveFilter(
        date_from=date_arg("from", args=args), date_to=date_arg("to", args=args),
        campaign_id=int_arg("campaign", args=args), hall_id=int_arg("hall", args=args),
        window_id=int_arg("window", args=args), unit_id=int_arg("unit", args=args),
        inspector_id=int_arg("inspector", args=args), service_item_id=int_arg("item", args=args),
        state=VisitState(state) if state in {s.value for s in VisitState} else None,
        has_findings={"1": True, "0": False}.get(found))
