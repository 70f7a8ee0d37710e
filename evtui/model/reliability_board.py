"""The monitor's reliability figures as rows: every EVSE's live figures, added up per
location, operator or country, worst uptime first (what the reliability screen shows)."""

from __future__ import annotations

import math

from evtui.model.places import Places
from evtui.model.reliability import EvseFigures, Result
from evtui.model.reliability.grouping import Grouping, Row, group
from evtui.model.state import MonitorState

__all__ = ["board", "live_result"]


def live_result(state: MonitorState) -> Result:
    """Every EVSE's figures now, as a report over the state's history would give them."""
    reliability = state.reliability
    evses: list[EvseFigures] = [state.evse_figures(evse_id) for evse_id in state.store.evses]
    start = reliability.oldest if math.isfinite(reliability.oldest) else 0.0
    end = reliability.latest if math.isfinite(reliability.latest) else start
    return Result(reliability.rules, start, max(start, end), evses, {}, reliability.gaps)


def board(
    state: MonitorState, places: Places, by: Grouping = "location"
) -> tuple[Result, list[Row]]:
    """The rows of the reliability screen, grouped `by`, worst uptime first."""
    result = live_result(state)

    def place(location_id: str) -> tuple[str | None, str | None]:
        return places.operator(location_id), places.country(location_id)

    return result, group(result, by, place)
