"""The monitor's reliability figures as rows: every EVSE's live figures added up per
location, operator or country, worst uptime first (what the reliability screen shows).

Read straight from the accumulators' columns (`LiveFigures.by_location`): no figures object
is built per EVSE, so a continent's network opens in about a second rather than in tens.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from evtui.model.places import Places
from evtui.model.reliability import GroupFigures, RuleSet
from evtui.model.reliability.grouping import Grouping, Row, worst_first
from evtui.model.state import MonitorState

__all__ = ["Board", "board"]


@dataclass(frozen=True)
class Board:
    """The rows, and what the screen's title and note say of them."""

    rules: RuleSet
    start: float
    end: float
    rows: list[Row]
    network: GroupFigures


def board(state: MonitorState, places: Places, by: Grouping = "location") -> Board:
    """The rows of the reliability screen, grouped `by`, worst uptime first."""
    store, reliability = state.store, state.reliability
    start = reliability.oldest if math.isfinite(reliability.oldest) else 0.0
    end = reliability.latest if math.isfinite(reliability.latest) else start
    end = max(start, end)
    by_number = reliability.by_location(
        end,
        store.status_codes(),
        store.status_names,
        store.location_of_evses(),
        store.update_times(),
    )
    network = GroupFigures()
    groups: dict[object, GroupFigures] = {}
    keys: dict[object, dict[str, object]] = {}
    for number, figures in by_number.items():
        network.merge(figures)
        location_id = store.location_id_at(number)
        if by == "location":
            key: object = location_id
            groups[key], keys[key] = figures, {"location": location_id}
            continue
        if by == "operator":
            key = places.operator(location_id)
        elif by == "country":
            key = places.country(location_id)
        else:
            key = "all"
        if key not in groups:
            groups[key], keys[key] = GroupFigures(), {by: key}
        groups[key].merge(figures)
    rows = [
        Row(keys[key], figures, figures.flapping_evses > 0, figures.stale_evses > 0)
        for key, figures in groups.items()
    ]
    rows.sort(key=worst_first)
    return Board(reliability.rules, start, end, rows, network)
