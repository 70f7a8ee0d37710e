"""Geohash: a position as a short base-32 string, each character narrowing the cell.

HERE's location ids carry a 10-character geohash of the location (a cell of about 1.2 m by
0.6 m). Bits alternate longitude, latitude, longitude, …; each halves the range it refines.
"""

from __future__ import annotations

__all__ = ["ALPHABET", "cell", "decode", "encode", "is_geohash"]

ALPHABET = "0123456789bcdefghjkmnpqrstuvwxyz"
"""The 32 symbols, in value order (no a, i, l, o)."""

_VALUE = {symbol: value for value, symbol in enumerate(ALPHABET)}
_SYMBOLS = frozenset(ALPHABET)


def is_geohash(text: str) -> bool:
    """Whether `text` is a non-empty geohash (lower case, as HERE writes them)."""
    return bool(text) and _SYMBOLS.issuperset(text)


def _split(bits: int, count: int) -> tuple[int, int]:
    """The longitude and latitude bits of `count` interleaved bits (longitude first)."""
    lng = lat = 0
    # From the most significant bit down: even positions are longitude.
    for position in range(count):
        bit = (bits >> (count - 1 - position)) & 1
        if position % 2 == 0:
            lng = (lng << 1) | bit
        else:
            lat = (lat << 1) | bit
    return lng, lat


def cell(geohash: str) -> tuple[float, float, float, float]:
    """(lat, lng, lat half-height, lng half-width) of the cell `geohash` names.

    Raises ValueError on a character outside the alphabet or an empty string.
    """
    if not geohash:
        raise ValueError("an empty geohash")
    bits = 0
    try:
        for symbol in geohash:
            bits = (bits << 5) | _VALUE[symbol]
    except KeyError:
        raise ValueError(f"not a geohash: {geohash!r}") from None
    count = 5 * len(geohash)
    lng_bits, lat_bits = (count + 1) // 2, count // 2
    lng_int, lat_int = _split(bits, count)
    lat_size = 180.0 / (1 << lat_bits)
    lng_size = 360.0 / (1 << lng_bits)
    return (
        -90.0 + (lat_int + 0.5) * lat_size,
        -180.0 + (lng_int + 0.5) * lng_size,
        lat_size / 2,
        lng_size / 2,
    )


def decode(geohash: str) -> tuple[float, float]:
    """The centre (lat, lng) of the cell. Raises ValueError when it is not a geohash."""
    lat, lng, _, _ = cell(geohash)
    return lat, lng


def encode(lat: float, lng: float, precision: int = 10) -> str:
    """The geohash of `precision` characters whose cell holds (lat, lng).

    Latitude is clamped to [-90, 90]; longitude is wrapped into [-180, 180). Raises ValueError
    for a precision below 1 or a coordinate that is not a finite number.
    """
    if precision < 1:
        raise ValueError(f"precision must be at least 1, not {precision}")
    if not (-1e300 < lat < 1e300 and -1e300 < lng < 1e300):  # NaN and inf fail both
        raise ValueError(f"not a position: {lat!r}, {lng!r}")
    lat = min(max(lat, -90.0), 90.0)
    if not -180.0 <= lng < 180.0:
        lng = (lng + 180.0) % 360.0 - 180.0
    count = 5 * precision
    lng_bits, lat_bits = (count + 1) // 2, count // 2
    lat_int = _index(lat, -90.0, 90.0, lat_bits)
    lng_int = _index(lng, -180.0, 180.0, lng_bits)
    bits = 0
    for position in range(count):
        if position % 2 == 0:
            lng_bits -= 1
            bits = (bits << 1) | ((lng_int >> lng_bits) & 1)
        else:
            lat_bits -= 1
            bits = (bits << 1) | ((lat_int >> lat_bits) & 1)
    return "".join(ALPHABET[(bits >> (5 * (precision - 1 - i))) & 31] for i in range(precision))


def _index(value: float, low: float, high: float, bits: int) -> int:
    """The cell along one axis that holds `value`, by halving the range `bits` times.

    Halving is exact (each middle is a multiple of 90 / 2**k), so a value a hair below a
    boundary stays below it; `(value - low) / size` would round -1e-15 + 90 up to 90.
    """
    index = 0
    for _ in range(bits):
        middle = (low + high) / 2
        if value >= middle:
            index, low = 2 * index + 1, middle
        else:
            index, high = 2 * index, middle
    return index
