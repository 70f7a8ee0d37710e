"""A result's figures per EVSE, location, operator, country or the whole network, as rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from evtui.model.reliability.figures import GroupFigures
from evtui.model.reliability.history import Result

__all__ = ["GROUPINGS", "Grouping", "Row", "group", "worst_first"]

Grouping = Literal["evse", "location", "operator", "country", "network"]
GROUPINGS: tuple[Grouping, ...] = ("evse", "location", "operator", "country", "network")

Place = Callable[[str], tuple[str | None, str | None]]
"""A location id's (operator, country alpha-3), each None when not known."""


@dataclass(frozen=True)
class Row:
    """One row of a report: its keys (what it groups by) and the figures added up."""

    keys: dict[str, Any]
    figures: GroupFigures
    flapping: bool
    stale: bool


def group(result: Result, by: Grouping, place: Place) -> list[Row]:
    """The rows of `result` grouped `by`, worst uptime first (then by their keys)."""
    window = result.window_s
    groups: dict[tuple[Any, ...], GroupFigures] = {}
    keys: dict[tuple[Any, ...], dict[str, Any]] = {}
    locations_of: dict[tuple[Any, ...], set[str]] = {}
    for figures in result.evses:
        operator, country = place(figures.location)
        if by == "evse":
            names: dict[str, Any] = {"location": figures.location, "evse": figures.evse}
        elif by == "location":
            names = {"location": figures.location}
        elif by == "operator":
            names = {"operator": operator}
        elif by == "country":
            names = {"country": country}
        else:
            names = {"network": "all"}
        key = tuple(names.values())
        if key not in groups:
            groups[key], keys[key], locations_of[key] = GroupFigures(), names, set()
        groups[key].add(figures, window)
        locations_of[key].add(figures.location)
    rows = []
    for key, total in groups.items():
        if by != "evse":
            total.all_down_s = sum(result.all_down_s.get(i, 0.0) for i in locations_of[key])
        rows.append(Row(keys[key], total, total.flapping_evses > 0, total.stale_evses > 0))
    rows.sort(key=worst_first)
    return rows


def worst_first(row: Row) -> tuple[float, str]:
    """The sort key that puts the lowest uptime first (unknown last), then by keys."""
    uptime = row.figures.uptime_pct
    return (uptime if uptime is not None else 101.0, " ".join(str(v) for v in row.keys.values()))
