"""The issue list's filters, read from the address (or from an export job's stored copy of it)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

from app.args import date_arg, int_arg
from app.models import Category, IssueState, Severity
from app.services import issues

E = TypeVar("E", bound=StrEnum)


def _enum_arg(args: Mapping[str, str], name: str, kind: type[E]) -> E | None:
    value = args.get(name, "")
    return kind(value) if value in {m.value for m in kind} else None


def issue_filter(args: Mapping[str, str]) -> issues.IssueFilter:
    """The filters of ``args``; what is not understood reads as absent."""
    return issues.IssueFilter(
        unit_id=int_arg("unit", args=args), hall_id=int_arg("hall", args=args),
        window_id=int_arg("window", args=args), category=_enum_arg(args, "category", Category),
        severity=_enum_arg(args, "severity", Severity), state=_enum_arg(args, "state", IssueState),
        overdue=args.get("overdue") == "1", sort=args.get("sort", "deadline"),
        campaign_id=int_arg("campaign", args=args), found_from=date_arg("from", args=args),
        found_to=date_arg("to", args=args))
