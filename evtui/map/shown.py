"""Which locations the map draws: those the active filter keeps.

The filter is the event log's (`EventFilter`): a location is drawn when it fits the place
terms and the words (its id or name), and, with `status:`, when some EVSE of it is in one of
those statuses now. The statuses are read for all locations at once (NumPy), the rest once
per filter and directory change, since names and operators change only then.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from evtui.model import EventFilter, StateStore
from evtui.model.places import Places

__all__ = ["Shown"]

Flags = npt.NDArray[np.bool_]


class Shown:
    """`mask(store)`: each location number's yes or no, or None when the filter keeps all."""

    def __init__(self) -> None:
        self._key: tuple[EventFilter, int] | None = None
        self._places_mask: Flags = np.zeros(0, dtype=bool)

    def mask(self, event_filter: EventFilter, store: StateStore, places: Places) -> Flags | None:
        if not event_filter.active:
            return None
        count = store.location_count
        keep = np.ones(count, dtype=bool)
        if event_filter.statuses:
            keep &= self._in_statuses(event_filter, store)
        if event_filter.text or event_filter.places_active:
            keep &= self._by_place(event_filter, store, places)
        return keep

    @staticmethod
    def _in_statuses(event_filter: EventFilter, store: StateStore) -> Flags:
        wanted = np.array([n in event_filter.statuses for n in store.status_names] or [False])
        codes_column, locations_column = store.status_codes(), store.location_of_evses()
        codes = np.frombuffer(codes_column, dtype=codes_column.typecode).astype(np.int64)
        location = np.frombuffer(locations_column, dtype=locations_column.typecode)
        hits = np.bincount(location[wanted[codes]], minlength=store.location_count)
        return hits > 0

    def _by_place(self, event_filter: EventFilter, store: StateStore, places: Places) -> Flags:
        key = (event_filter, places.version)
        count = store.location_count
        if key != self._key:
            self._key = key
            self._places_mask = np.zeros(0, dtype=bool)
        done = len(self._places_mask)
        if done < count:
            more = [
                event_filter.matches_location(
                    location_id := store.location_id_at(n), places.name(location_id), places
                )
                for n in range(done, count)
            ]
            self._places_mask = np.concatenate((self._places_mask, np.array(more, dtype=bool)))
        return self._places_mask[:count]
