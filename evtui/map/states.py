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
_BITS = np.array([1 << _FREE, 1 << _BUSY, 1 << _UNKNOWN, 1 << _DOWN], dtype=np.uint8)


def _state_of(classes: int) -> MapState:
    """A location's state from which classes its EVSEs are in (bit c: some EVSE of class c)."""
    if classes & 1 << _DOWN:
        return MapState.ALL_DOWN if classes == 1 << _DOWN else MapState.SOME_DOWN
    if classes & ~(1 << _UNKNOWN) == 0:  # (no EVSE at all: unknown too)
        return MapState.UNKNOWN
    return MapState.AVAILABLE if classes & 1 << _FREE else MapState.BUSY


_STATE_OF = np.array([_state_of(classes) for classes in range(16)], dtype=np.int8)
"""`_state_of` of every set of classes: a look-up for every location at once."""


def _class(status: str) -> int:
    if status == "AVAILABLE":
        return _FREE
    if status in WORKING:
        return _BUSY
    return _DOWN if status in DOWN else _UNKNOWN


def location_states(store: StateStore, now_us: int) -> States:
    """Each location's `MapState`, by location number, at `now_us` (microseconds)."""
    names = store.status_names
    classes = np.array([_class(n) for n in names] or [0], dtype=np.int8)
    # Each status's stale cut-off as a time: an EVSE updated before it is stale.
    never = np.iinfo(np.int64).min
    cutoff = np.array(
        [now_us - int(STALE_AFTER[n] * 1e6) if n in STALE_AFTER else never for n in names]
        or [never],
        dtype=np.int64,
    )
    codes_column, updated_column = store.status_codes(), store.update_times()
    locations_column = store.location_of_evses()
    # Views of the store's columns, dropped before the end: a view that outlived this call
    # would stop them growing (BufferError). Everything kept is a new array.
    codes = np.frombuffer(codes_column, dtype=codes_column.typecode)
    evse_class = classes[codes]
    updated = np.frombuffer(updated_column, dtype=updated_column.typecode)
    # Only an EVSE updated before the latest cut-off can be stale: one comparison of every
    # time, then each status's own cut-off for those alone (most are recent; a look-up of
    # every EVSE's cut-off took a third of the map's states at a million EVSEs).
    old = np.flatnonzero(updated < cutoff.max())
    stale = old[updated[old] < cutoff[codes[old]]]
    del codes, updated
    evse_class[stale[evse_class[stale] != _DOWN]] = _UNKNOWN
    location = np.frombuffer(locations_column, dtype=locations_column.typecode)
    combined = location * np.int64(4) + evse_class
    del location
    count = store.location_count
    present = np.bincount(combined, minlength=count * 4).reshape(count, 4) > 0
    # Which classes each location has, as bits, then one look-up: comparing the counts
    # column by column took twice as long.
    held: npt.NDArray[np.uint8] = present.view(np.uint8) @ _BITS
    return _STATE_OF[held]
