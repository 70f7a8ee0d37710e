"""Geohash, against published values and a textbook bisection written out here."""

from __future__ import annotations

import random

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from evtui.model.geohash import ALPHABET, cell, decode, encode, is_geohash


def bisect_encode(lat: float, lng: float, precision: int) -> str:
    """The algorithm as Wikipedia states it: halve the range, longitude first."""
    lat_range, lng_range = [-90.0, 90.0], [-180.0, 180.0]
    bits: list[int] = []
    while len(bits) < 5 * precision:
        value, rng = (lng, lng_range) if len(bits) % 2 == 0 else (lat, lat_range)
        middle = (rng[0] + rng[1]) / 2
        if value >= middle:
            bits.append(1)
            rng[0] = middle
        else:
            bits.append(0)
            rng[1] = middle
    return "".join(
        ALPHABET[int("".join(map(str, bits[i : i + 5])), 2)] for i in range(0, len(bits), 5)
    )


def test_the_published_examples() -> None:
    assert encode(57.64911, 10.40744, 11) == "u4pruydqqvj"  # Wikipedia's example
    lat, lng = decode("u1516726h2")  # Brussels, in the stream tutorial's location id
    assert (round(lat, 4), round(lng, 4)) == (50.8629, 4.3182)
    lat, lng = decode("u33d811u8y")  # Berlin
    assert (round(lat, 4), round(lng, 4)) == (52.4770, 13.3618)


def test_hand_computed_cells() -> None:
    # (0, 0): lng >= 0, lat >= 0, lng < 90, lat < 45, lng < 45 -> 11000 = 24 = "s".
    assert encode(0.0, 0.0, 1) == "s"
    assert cell("s") == (22.5, 22.5, 22.5, 22.5)
    assert decode("0") == (-67.5, -157.5)
    assert encode(90.0, 180.0, 2) == "bp"  # lat 90 clamps into the top cell; 180 wraps to -180
    _, _, lat_half, lng_half = cell("u1516726h2")
    assert lat_half * 2 == 180 / 2**25 and lng_half * 2 == 360 / 2**25  # about 0.6 m by 1.2 m


def test_what_is_not_a_geohash() -> None:
    assert is_geohash("u33d811u8y") and not is_geohash("") and not is_geohash("u33a")
    assert not is_geohash("U33D811U8Y")
    for bad in ("", "a", "U", "u33d811u8y!"):
        with pytest.raises(ValueError):
            decode(bad)
    with pytest.raises(ValueError):
        encode(float("nan"), 0.0)
    with pytest.raises(ValueError):
        encode(0.0, 0.0, 0)


def test_encode_agrees_with_bisection_for_random_positions() -> None:
    rng = random.Random(14)
    for _ in range(2000):
        lat, lng = rng.uniform(-90, 90), rng.uniform(-180, 180)
        precision = rng.randint(1, 12)
        assert encode(lat, lng, precision) == bisect_encode(lat, lng, precision)


@given(
    st.floats(-90, 90, allow_nan=False),
    st.floats(-180, 179.999999, allow_nan=False),
    st.integers(1, 12),
)
# A hair below a boundary: -3.7e-15 + 90 rounds to 90, which once put it in the cell above.
@example(-3.683653453612483e-15, 0.0, 12)
@example(0.0, -1e-15, 12)
@example(90.0, 179.999999, 12)
def test_the_cell_of_a_position_holds_it(lat: float, lng: float, precision: int) -> None:
    centre_lat, centre_lng, lat_half, lng_half = cell(encode(lat, lng, precision))
    assert abs(centre_lat - lat) <= lat_half * (1 + 1e-9)
    assert abs(centre_lng - lng) <= lng_half * (1 + 1e-9)
    assert encode(centre_lat, centre_lng, precision) == encode(lat, lng, precision)
