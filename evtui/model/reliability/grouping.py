"""A result's figures per EVSE, location, operator, country or the whole network, as rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from evtui.model.reliability.figures import EvseFigures, GroupFigures
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
    locations_of: dict[tuple[Any, ...], set[str]] = {}
    key_of = _key(by, place)
    for figures in result.evses:
        key = key_of(figures)
        total = groups.get(key)
        if total is None:
            total = groups[key] = GroupFigures()
            locations_of[key] = set()
        total.add(figures, window)
        locations_of[key].add(figures.location)
    names = _NAMES[by]
    rows = []
    for key, total in groups.items():
        if by != "evse":
            total.all_down_s = sum(result.all_down_s.get(i, 0.0) for i in locations_of[key])
        keys = dict(zip(names, key, strict=True))
        rows.append(Row(keys, total, total.flapping_evses > 0, total.stale_evses > 0))
    rows.sort(key=worst_first)
    return rows


_NAMES: dict[Grouping, tuple[str, ...]] = {
    "evse": ("location", "evse"),
    "location": ("location",),
    "operator": ("operator",),
    "country": ("country",),
    "network": ("network",),
}
"""The keys of a row of each grouping, in the order rows show them."""


def _key(by: Grouping, place: Place) -> Callable[[EvseFigures], tuple[Any, ...]]:
    """What puts an EVSE's figures in its row: a place is looked up only where rows need it
    (a report by EVSE of a continent's chargers asks it nothing)."""
    if by == "evse":
        return lambda f: (f.location, f.evse)
    if by == "location":
        return lambda f: (f.location,)
    if by == "operator":
        return lambda f: (place(f.location)[0],)
    if by == "country":
        return lambda f: (place(f.location)[1],)
    return lambda f: ("all",)


def worst_first(row: Row) -> tuple[float, str]:
    """The sort key that puts the lowest uptime first (unknown last), then by keys."""
    uptime = row.figures.uptime_pct
    return (uptime if uptime is not None else 101.0, " ".join(str(v) for v in row.keys.values()))
