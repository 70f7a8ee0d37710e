"""What an archive's `locations` table says of a location: the directory's record (from the
cache) where there is one, else what the id itself carries."""

from __future__ import annotations

from collections.abc import Mapping

from evtui.archive.writer import LocationRow, Placer
from evtui.directory import describe
from evtui.model.directory import LocationInfo

__all__ = ["placer"]

_FIELDS = ("country", "lat", "lng", "name", "operator", "city")


def placer(known: Mapping[str, LocationInfo]) -> Placer:
    """A `locations` row for each id (country alpha-3, lat, lng, name, operator, city, max kW)."""

    def place(location_id: str) -> LocationRow:
        info = known.get(location_id)
        line = describe(location_id, info)
        evses = (info.evses or ()) if info is not None else ()
        powers = [c.max_kw for e in evses for c in e.connectors if c.max_kw is not None]
        row: LocationRow = {k: line[k] for k in _FIELDS}
        row["max_kw"] = max(powers, default=None)
        return row

    return place
