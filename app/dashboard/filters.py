"""The dashboard's filter, read from the address: bad or unknown values fall back to defaults."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import request

from app.args import int_arg
from app.services import catalogue, metrics


@dataclass(frozen=True)
class Choices:
    """What the filter form offers: (id, name) pairs."""

    campaigns: list[tuple[int, str]]
    halls: list[tuple[int, str]]
    units: list[tuple[int, str]]


def _date_arg(name: str) -> date | None:
    raw = request.args.get(name, "").strip()
    if len(raw) != 10 or not raw.isascii():
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


def _known(name: str, options: list[tuple[int, str]]) -> int | None:
    value = int_arg(name)
    return value if value in {key for key, _label in options} else None


def choices(campaigns: list) -> Choices:  # type: ignore[type-arg]
    return Choices(campaigns=[(c.id, c.name) for c in campaigns], halls=catalogue.hall_choices(),
                   units=[(int(key), label) for key, label in catalogue.unit_choices()])  # type: ignore[call-overload]


def read(today: date, options: Choices) -> metrics.Filter:
    """The filter the address asks for (?from=&to=&campaign=&hall=&unit=)."""
    start, end = metrics.period(_date_arg("from"), _date_arg("to"), today)
    return metrics.Filter(start=start, end=end, campaign_id=_known("campaign", options.campaigns),
                          hall_id=_known("hall", options.halls), unit_id=_known("unit", options.units))


def args(f: metrics.Filter) -> dict[str, str]:
    """The filter as query arguments (for the charts' addresses)."""
    values = {"from": f.start.isoformat(), "to": f.end.isoformat(), "campaign": f.campaign_id,
              "hall": f.hall_id, "unit": f.unit_id}
    return {key: str(value) for key, value in values.items() if value is not None}
