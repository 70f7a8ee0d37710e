"""How the store holds a location id: HERE's own as the bytes of what follows its prefix.

200,000 real-shaped ids (`here:evcp:charginglocation:` + about 53 characters) cost 29 MB as
text and 19 MB as those bytes. `to_location_key` and `from_location_key` round-trip every id
exactly, and no text id can equal a bytes key, so both kinds share one dict.
"""

from __future__ import annotations

from typing import TypeAlias

__all__ = ["LocationKey", "from_location_key", "to_location_key"]

LocationKey: TypeAlias = str | bytes
"""A location id as the store holds it (see `to_location_key`)."""

LOCATION_PREFIX = "here:evcp:charginglocation:"
_PREFIX_LENGTH = len(LOCATION_PREFIX)


def to_location_key(location_id: str) -> LocationKey:
    """HERE's own id as the ASCII bytes after `here:evcp:charginglocation:`, any other as it
    is."""
    if location_id.startswith(LOCATION_PREFIX) and location_id.isascii():
        return location_id[_PREFIX_LENGTH:].encode()
    return location_id


def from_location_key(key: LocationKey) -> str:
    """The location id `to_location_key` made `key` from."""
    return key if isinstance(key, str) else LOCATION_PREFIX + key.decode()
