"""What state each location is in, as the map colours it.

A location is *all down* when every EVSE is down (OUT_OF_ORDER, INOPERATIVE: down under
every rule set), *some down* when any is, *unknown* when every EVSE is UNKNOWN, a status
outside OCPI's, or stale (no update for longer than the status may last; see
`STALE_AFTER`), *available* when any EVSE is AVAILABLE, and *all busy* otherwise (each
charging, reserved or blocked). The states are ranked by urgency: where several locations
share a cell, the most urgent one shows.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np
import numpy.typing as npt

from evtui.model import StateStore
from evtui.model.reliability import DOWN, STALE_AFTER, WORKING

__all__ = ["LEGEND", "MapState", "location_states"]

States = npt.NDArray[np.int8]


class MapState(IntEnum):
    """A location's state on the map, least urgent first."""

    AVAILABLE = 0
    BUSY = 1
    UNKNOWN = 2
    SOME_DOWN = 3
    ALL_DOWN = 4


LEGEND: dict[MapState, str] = {
    MapState.AVAILABLE: "some available",
    MapState.BUSY: "all busy",
    MapState.UNKNOWN: "unknown/stale",
    MapState.SOME_DOWN: "some down",
    MapState.ALL_DOWN: "all down",
}
"""The legend's words for each state, in urgency order."""

_FREE, _BUSY, _UNKNOWN, _DOWN = 0, 1, 2, 3


def _class(status: str) -> int:
    if status == "AVAILABLE":
        return _FREE
    if status in WORKING:
        return _BUSY
    return _DOWN if status in DOWN else _UNKNOWN


def location_states(store: StateStore, now_us: int) -> States:
    """Each location's `MapState`, by location number, at `now_us` (microseconds)."""
    names = store.status_names
    classes = np.array([_class(n) for n in names] or [0], dtype=np.int64)
    stale_after = np.array(
        [STALE_AFTER.get(n, np.inf) * 1e6 for n in names] or [np.inf], dtype=np.float64
    )
    codes_column, updated_column = store.status_codes(), store.update_times()
    locations_column = store.location_of_evses()
    # Copies: a view of the store's columns would stop them growing while it lived.
    codes = np.frombuffer(codes_column, dtype=codes_column.typecode).astype(np.int64)
    updated = np.frombuffer(updated_column, dtype=updated_column.typecode).copy()
    location = np.frombuffer(locations_column, dtype=locations_column.typecode).astype(np.int64)
    evse_class = classes[codes]
    stale = (now_us - updated) > stale_after[codes]
    evse_class[stale & (evse_class != _DOWN)] = _UNKNOWN
    count = store.location_count
    tally = np.bincount(location * 4 + evse_class, minlength=count * 4).reshape(count, 4)
    total = tally.sum(axis=1)
    down, unknown, free = tally[:, _DOWN], tally[:, _UNKNOWN], tally[:, _FREE]
    out = np.full(count, MapState.BUSY, dtype=np.int8)
    out[free > 0] = MapState.AVAILABLE
    out[unknown == total] = MapState.UNKNOWN
    out[down > 0] = MapState.SOME_DOWN
    out[(down == total) & (total > 0)] = MapState.ALL_DOWN
    return out
