"""What a HERE location id says by itself: country, position and data source.

Every real id seen so far reads

    here:evcp:charginglocation:<ISO 3166-1 numeric><geohash, 10 chars>-<base64 of the source>

e.g. `here:evcp:charginglocation:56u1516726h2-aGVyZS1ldjplY29tb3ZlbWVudDoxMjc3ODgxMDM` is in
Belgium (56), at 50.8629, 4.3182 (`u1516726h2`), from `here-ev:ecomovement:127788103`. HERE
does not document the shape, so it is read best-effort: an id that does not fit simply has no
facts, and nothing is ever rejected over it.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from evtui.model.countries import by_numeric
from evtui.model.geohash import decode as decode_geohash
from evtui.model.geohash import is_geohash

__all__ = ["LOCATION_ID_PREFIX", "IdFacts", "content_id", "decode_location_id"]

LOCATION_ID_PREFIX = "here:evcp:charginglocation:"
GEOHASH_LENGTH = 10

_DIGITS = frozenset("0123456789")
_B64 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
# A supplier name, then its own id: printable ASCII without spaces, nothing to escape.
_SOURCE = re.compile(r"here-ev:[!-9;-~]+:[!-~]+")


@dataclass(frozen=True, slots=True)
class IdFacts:
    """What one location id says. `lat`/`lng` are the centre of its geohash cell (±0.6 m),
    to be shown as derived from the id; the directory's coordinates win when known."""

    country_numeric: int
    alpha2: str
    alpha3: str
    country_name: str
    lat: float
    lng: float
    source: str | None
    """`here-ev:<supplier>:<id>`, or None when the part after `-` is not its base64."""


def content_id(location_id: str) -> str:
    """The id without HERE's `here:evcp:charginglocation:` prefix (what HERE's directory calls
    a location); any other string as it is."""
    if location_id.startswith(LOCATION_ID_PREFIX):
        return location_id[len(LOCATION_ID_PREFIX) :]
    return location_id


def decode_location_id(location_id: str) -> IdFacts | None:
    """The facts in a real-shaped location id, or None when it does not have that shape.

    Never raises. Cheap (a few microseconds), yet meant to be called once per location.
    """
    if not location_id.startswith(LOCATION_ID_PREFIX):
        return None
    head, dash, tail = location_id[len(LOCATION_ID_PREFIX) :].partition("-")
    # The geohash has a fixed length, so the country code is whatever comes before it:
    # 1 to 3 digits, no leading zero, a code ISO has assigned.
    digits = len(head) - GEOHASH_LENGTH
    if not dash or not 1 <= digits <= 3:
        return None
    code, geohash = head[:digits], head[digits:]
    if code[0] == "0" or not _DIGITS.issuperset(code) or not is_geohash(geohash):
        return None
    country = by_numeric(int(code))
    if country is None:
        return None
    lat, lng = decode_geohash(geohash)
    return IdFacts(
        country.numeric,
        country.alpha2,
        country.alpha3,
        country.name,
        lat,
        lng,
        _source(tail),
    )


def _source(text: str) -> str | None:
    """`here-ev:<supplier>:<id>` from its unpadded (or padded) base64, else None."""
    text = text.rstrip("=")
    if not text or len(text) % 4 == 1 or not _B64.issuperset(text):
        return None
    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None
    if not raw.isascii():
        return None
    source = raw.decode("ascii")
    return source if _SOURCE.fullmatch(source) else None
