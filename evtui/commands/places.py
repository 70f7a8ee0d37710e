"""The place columns of a row (`name, operator, country, lat, lng`) that `evtui export` and
`evtui report` give each location: from the directory cache and the id itself, never the
network."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from evtui.directory.describe import describe

if TYPE_CHECKING:
    from evtui.model.directory import LocationInfo

__all__ = ["PLACE_FIELDS", "Locate", "locator"]

PLACE_FIELDS = ("name", "operator", "country", "lat", "lng")
"""A location's columns, in order."""
Locate = Callable[[str], tuple[Any, ...]]


def locator(known: Mapping[str, LocationInfo]) -> Locate:
    """The place columns of a location id, worked out once per location."""
    memo: dict[str, tuple[Any, ...]] = {}

    def locate(location_id: str) -> tuple[Any, ...]:
        hit = memo.get(location_id)
        if hit is None:
            line = describe(location_id, known.get(location_id))
            hit = memo[location_id] = tuple(line[f] for f in PLACE_FIELDS)
        return hit

    return locate
