"""Where each location is: the directory's position, else the one its id carries.

`Positions` keeps two columns (longitude, latitude) by the store's location number and
brings them up to date incrementally: new locations, and the records the directory has
changed since (`Places.touched`). The first look at 200,000 locations costs about a fifth
of a second, because the ids' geohashes are decoded together (NumPy) rather than one by one.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from evtui.model import StateStore
from evtui.model.countries import by_numeric
from evtui.model.geohash import ALPHABET
from evtui.model.location_id import GEOHASH_LENGTH, LOCATION_ID_PREFIX
from evtui.model.places import Places

__all__ = ["Positions", "id_positions"]

Floats = npt.NDArray[np.float64]

_PREFIX = len(LOCATION_ID_PREFIX)
_DIGITS = frozenset("0123456789")
_VALUE = np.full(256, 255, dtype=np.uint8)
_VALUE[np.frombuffer(ALPHABET.encode(), dtype=np.uint8)] = np.arange(32, dtype=np.uint8)
_BITS = GEOHASH_LENGTH * 5


def id_positions(ids: Sequence[str]) -> tuple[Floats, Floats]:
    """(lng, lat) of each id as `decode_location_id` reads it (NaN where it reads nothing):
    the centre of the id's geohash cell."""
    hashes = []
    good = np.zeros(len(ids), dtype=bool)
    for i, location_id in enumerate(ids):
        if not location_id.startswith(LOCATION_ID_PREFIX):
            continue
        head, dash, _ = location_id[_PREFIX:].partition("-")
        digits = len(head) - GEOHASH_LENGTH
        if not dash or not 1 <= digits <= 3:
            continue
        code = head[:digits]
        if code[0] == "0" or not _DIGITS.issuperset(code) or by_numeric(int(code)) is None:
            continue
        geohash = head[digits:]
        if not geohash.isascii():
            continue
        hashes.append(geohash)
        good[i] = True
    lng = np.full(len(ids), np.nan)
    lat = np.full(len(ids), np.nan)
    if not hashes:
        return lng, lat
    raw = np.frombuffer("".join(hashes).encode("ascii"), dtype=np.uint8)
    values = _VALUE[raw].reshape(len(hashes), GEOHASH_LENGTH)
    valid = (values != 255).all(axis=1)
    # Geohash bits alternate longitude, latitude, from the first symbol's top bit on.
    bits = (values[:, :, None] >> np.arange(4, -1, -1, dtype=np.uint8)) & 1
    bits = bits.reshape(len(hashes), _BITS).astype(np.int64)
    weights = 1 << np.arange((_BITS + 1) // 2 - 1, -1, -1, dtype=np.int64)
    x = bits[:, 0::2] @ weights
    y = bits[:, 1::2] @ weights[-(_BITS // 2) :]
    found_lng = -180.0 + (x + 0.5) * (360.0 / 2.0 ** ((_BITS + 1) // 2))
    found_lat = -90.0 + (y + 0.5) * (180.0 / 2.0 ** (_BITS // 2))
    index = np.flatnonzero(good)
    lng[index] = np.where(valid, found_lng, np.nan)
    lat[index] = np.where(valid, found_lat, np.nan)
    return lng, lat


class Positions:
    """`lng`, `lat` (NaN: unknown) and `from_id` by location number, for `count` locations."""

    def __init__(self) -> None:
        self.lng: Floats = np.empty(0)
        self.lat: Floats = np.empty(0)
        self.from_id: npt.NDArray[np.bool_] = np.empty(0, dtype=bool)
        self.count = 0
        self._loads = -1
        self._touched = 0
        self._store = 0

    def update(self, store: StateStore, places: Places) -> bool:
        """Catch up with the store's new locations and the directory's changes; whether any
        position may have moved."""
        total = store.location_count
        if id(store) != self._store or total < self.count:
            # Another store, or a replay gone back: location numbers start over.
            self._store, self._loads, self.count = id(store), -1, 0
        if places.loads != self._loads:
            self._loads, self._touched = places.loads, len(places.touched)
            self._fill(store, places, range(total))
            self.count = total
            return True
        numbers: list[int] = list(range(self.count, total))
        touched = places.touched[self._touched :]
        self._touched += len(touched)
        for location_id in touched:
            try:
                number = store.location_number(location_id)
            except KeyError:
                continue  # not in the stream (yet)
            if number < self.count:
                numbers.append(number)
        if not numbers:
            return False
        self._fill(store, places, numbers)
        self.count = total
        return True

    def _fill(self, store: StateStore, places: Places, numbers: Sequence[int]) -> None:
        total = store.location_count
        if len(self.lng) < total:
            size = max(total, 2 * len(self.lng), 1024)
            self.lng = np.resize(self.lng, size)
            self.lat = np.resize(self.lat, size)
            self.from_id = np.resize(self.from_id, size)
        ids = [store.location_id_at(n) for n in numbers]
        lng, lat = id_positions(ids)
        from_id = ~np.isnan(lng)
        for i, location_id in enumerate(ids):
            info = places.info(location_id)
            if info is not None and info.lat is not None and info.lng is not None:
                lng[i], lat[i], from_id[i] = info.lng, info.lat, False
        index = np.asarray(numbers, dtype=np.int64)
        self.lng[index], self.lat[index], self.from_id[index] = lng, lat, from_id
