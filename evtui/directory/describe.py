"""One location as `evtui directory show` prints it: the directory's record and the id's facts.

The directory's position wins over the id's; `position` says which one gave lat/lng.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from evtui.model.location_id import IdFacts, decode_location_id
from evtui.units import iso_utc

if TYPE_CHECKING:
    from evtui.model.directory import LocationInfo

__all__ = ["DirectoryState", "describe"]

DirectoryState = Literal["found", "unknown"] | None
"""What the directory said: a record, that it does not know the id, or nothing (not asked)."""


def describe(
    location_id: str,
    info: LocationInfo | None,
    *,
    state: DirectoryState = None,
    facts: IdFacts | None = None,
) -> dict[str, Any]:
    """The JSON object of one location; every field it cannot know is None."""
    facts = facts if facts is not None else decode_location_id(location_id)
    lat = lng = None
    position: str | None = None
    if info is not None and info.lat is not None and info.lng is not None:
        lat, lng, position = info.lat, info.lng, "directory"
    elif facts is not None:
        lat, lng, position = facts.lat, facts.lng, "id"
    country = (info.country if info else None) or (facts.alpha3 if facts else None)
    evses = None
    if info is not None and info.evses is not None:
        evses = [
            {
                "id": e.id,
                "evse_id": e.evse_id,
                "connectors": [
                    {"standard": c.standard, "power_type": c.power_type, "max_kw": c.max_kw}
                    for c in e.connectors
                ],
            }
            for e in info.evses
        ]
    fetched = None
    if info is not None:
        fetched = iso_utc(info.fetched_at)
    return {
        "id": location_id,
        "country": country,
        "lat": lat,
        "lng": lng,
        "position": position,
        "source": facts.source if facts else None,
        "name": info.name if info else None,
        "operator": info.operator if info else None,
        "address": info.address if info else None,
        "city": info.city if info else None,
        "postal_code": info.postal_code if info else None,
        "evses": evses,
        "directory": state,
        "fetched_at": fetched,
    }
