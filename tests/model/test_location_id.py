"""What a HERE location id says: HERE's published examples, ids built here, and any text."""

from __future__ import annotations

import base64
import random

from hypothesis import given
from hypothesis import strategies as st

from evtui.model.countries import all_countries
from evtui.model.geohash import ALPHABET, cell
from evtui.model.location_id import IdFacts, content_id, decode_location_id
from tests.model.test_geohash import bisect_encode

PREFIX = "here:evcp:charginglocation:"
BRUSSELS = PREFIX + "56u1516726h2-aGVyZS1ldjplY29tb3ZlbWVudDoxMjc3ODgxMDM"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode().rstrip("=")


def test_the_stream_tutorials_example_is_in_brussels_from_ecomovement() -> None:
    facts = decode_location_id(BRUSSELS)
    assert facts is not None
    assert (facts.country_numeric, facts.alpha2, facts.alpha3, facts.country_name) == (
        56,
        "BE",
        "BEL",
        "Belgium",
    )
    assert (round(facts.lat, 4), round(facts.lng, 4)) == (50.8629, 4.3182)
    assert facts.source == "here-ev:ecomovement:127788103"


def test_a_three_digit_country_is_germany_at_berlin() -> None:
    facts = decode_location_id(PREFIX + "276u33d811u8y-" + b64("here-ev:ecomovement:1"))
    assert facts is not None and (facts.alpha3, facts.country_name) == ("DEU", "Germany")
    assert (round(facts.lat, 4), round(facts.lng, 4)) == (52.4770, 13.3618)
    assert facts.source == "here-ev:ecomovement:1"


def test_tampere_decodes_to_its_directory_coordinates() -> None:
    # HERE's v3 record of this Finnish location gives lat 61.493773, lng 23.820261.
    facts = decode_location_id(PREFIX + "246" + bisect_encode(61.493773, 23.820261, 10) + "-x")
    assert facts is not None and facts.alpha2 == "FI"
    assert abs(facts.lat - 61.493773) < 3e-6 and abs(facts.lng - 23.820261) < 6e-6


def test_a_source_that_is_not_base64_of_a_here_ev_source_is_none_the_rest_stays() -> None:
    for tail in ("", "…", "!!!!", "a", b64("hello"), b64("here-ev:ecomovement:"),
                 b64("here-ev::1"), b64("here-ev:eco movement:1"), b64("here-ev:e:1\n"),
                 "aGVyZS1ldjplY29tb3ZlbWVudDoxMjc3ODgxMDM" + "x" * 2,  # 41 characters
                 base64.b64encode(b"here-ev:\xff:1").decode()):
        facts = decode_location_id(PREFIX + "56u1516726h2-" + tail)
        assert facts is not None and facts.alpha2 == "BE" and facts.source is None, tail
    padded = decode_location_id(PREFIX + "56u1516726h2-aGVyZS1ldjplY29tb3ZlbWVudDoxMjc3ODgxMDM=")
    assert padded is not None and padded.source == "here-ev:ecomovement:127788103"
    colon = decode_location_id(PREFIX + "56u1516726h2-" + b64("here-ev:acme:A:7"))
    assert colon is not None and colon.source == "here-ev:acme:A:7"


def test_ids_of_other_shapes_say_nothing() -> None:
    for tail in (
        "388387f97cd7d5d36201ee6a01e19d43",  # the emulator's ids of old: 32 hex
        "56u1516726h2",  # no source part
        "056u1516726h2-x",  # a leading zero
        "999u1516726h2-x",  # not an ISO code
        "0u1516726h2-x",
        "56u1516726ha-x",  # "a" is not in the geohash alphabet
        "56U1516726H2-x",  # geohashes are lower case
        "56u1516726h-x",  # 9 characters: "5" + "6u1516726h", and there is no country 5
        "2760u33d811u8y-x",  # four digits
        "u1516726h2-x",  # no country
        "\u0665\u0666u1516726h2-x",  # Arabic-Indic 5 and 6: digits, not ASCII ones
        "5_6u1516726h2-x",
        "-56u1516726h2",
        "",
    ):
        assert decode_location_id(PREFIX + tail) is None, tail
    assert decode_location_id("56u1516726h2-aGVyZS1ldjplY29tb3ZlbWVudDoxMjc3ODgxMDM") is None
    assert decode_location_id("here:evcp:evse:56u1516726h2-x") is None
    assert decode_location_id("HERE:EVCP:CHARGINGLOCATION:56u1516726h2-x") is None


def test_ids_built_here_for_random_places_decode_back() -> None:
    rng = random.Random(7)
    table = all_countries()
    for n in range(3000):
        country = rng.choice(table)
        lat, lng = rng.uniform(-90, 90), rng.uniform(-180, 180)
        source = f"here-ev:{rng.choice(['ecomovement', 'x', 'hubject'])}:{rng.randrange(10**12)}"
        facts = decode_location_id(
            f"{PREFIX}{country.numeric}{bisect_encode(lat, lng, 10)}-{b64(source)}"
        )
        assert facts is not None, n
        assert (facts.country_numeric, facts.alpha3, facts.source) == (
            country.numeric,
            country.alpha3,
            source,
        )
        _, _, lat_half, lng_half = cell(bisect_encode(lat, lng, 10))
        assert abs(facts.lat - lat) <= lat_half and abs(facts.lng - lng) <= lng_half


def test_content_id_drops_only_heres_prefix() -> None:
    assert content_id(BRUSSELS) == "56u1516726h2-aGVyZS1ldjplY29tb3ZlbWVudDoxMjc3ODgxMDM"
    assert content_id("my:own:id") == "my:own:id"


@given(st.text())
def test_any_text_gives_facts_or_none_never_an_error(text: str) -> None:
    for candidate in (text, PREFIX + text):
        assert isinstance(decode_location_id(candidate), IdFacts | None)


@given(
    st.text("0123456789", min_size=0, max_size=4),
    st.text(ALPHABET + "aAZ-", min_size=0, max_size=12),
    st.text(min_size=0, max_size=60) | st.binary(max_size=45).map(
        lambda raw: base64.b64encode(raw).decode().rstrip("=")
    ),
)
def test_near_misses_give_facts_or_none_never_an_error(
    digits: str, geohash: str, tail: str
) -> None:
    facts = decode_location_id(f"{PREFIX}{digits}{geohash}-{tail}")
    if facts is not None:
        assert -90 <= facts.lat <= 90 and -180 <= facts.lng <= 180
        assert facts.source is None or facts.source.startswith("here-ev:")
