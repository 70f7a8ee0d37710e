"""The synthetic network's locations: real-shaped ids, and directory records that agree with
them, with the stream, with real places, and with themselves from one run to the next."""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter
from typing import Any

from evtui.emulator import NetworkConfig, SyntheticNetwork
from evtui.emulator.network import format_time
from evtui.emulator.places import CITIES
from evtui.model.countries import by_alpha3
from evtui.model.location_id import content_id, decode_location_id

HOUR = 3600.0
CENTRES = {city.name: city for city in CITIES}
FAST_NETWORKS = {"IONITY", "Fastned", "Tesla Supercharger", "Electra"}
STATUS_V3 = {
    "AVAILABLE": "available",
    "CHARGING": "charging",
    "RESERVED": "reserved",
    "OUT_OF_ORDER": "outOfOrder",
    "INOPERATIVE": "inoperative",
    "BLOCKED": "blocked",
    "UNKNOWN": "unknown",
}


def records(network: SyntheticNetwork) -> list[dict[str, Any]]:
    out = []
    for location_id in network.location_ids():
        record = network.location_record(location_id)
        assert record is not None
        out.append(record)
    return out


def km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lng2 - lng1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def test_location_ids_are_real_shaped_unique_and_say_where_the_record_is() -> None:
    network = SyntheticNetwork()
    ids = network.location_ids()
    assert len(ids) == len(set(ids)) == 2000
    for location_id, record in zip(ids, records(network), strict=True):
        assert re.fullmatch(r"here:evcp:charginglocation:[1-9]\d{0,2}[0-9b-hjkmnp-z]{10}-\S+",
                            location_id)
        facts = decode_location_id(location_id)
        assert facts is not None
        assert re.fullmatch(r"here-ev:ecomovement:\d{9}", facts.source or "")
        assert record["id"] == content_id(location_id)
        assert facts.alpha3 == record["address"]["countryCode"]
        # The id's geohash is of the record's coordinates: within its cell (±0.6 m).
        assert abs(facts.lat - record["location"]["lat"]) < 3e-6
        assert abs(facts.lng - record["location"]["lng"]) < 6e-6
        for evse in record["evses"]:
            assert re.fullmatch(r"here:evcp:evse:[0-9a-f]{64}", evse["id"])


def test_locations_are_spread_over_real_cities_of_many_countries() -> None:
    found = records(SyntheticNetwork())
    countries = Counter(r["address"]["countryCode"] for r in found)
    assert len(countries) >= 10 and countries.most_common(1)[0][1] < len(found) / 3
    for record in found:
        city = CENTRES[record["address"]["city"]]
        assert record["address"]["countryCode"] == city.alpha3
        assert km(city.lat, city.lng, record["location"]["lat"], record["location"]["lng"]) < 30
        assert record["address"]["postalCode"] in city.postal_codes


def test_records_have_the_shape_of_heres_v3_locations() -> None:
    network = SyntheticNetwork(NetworkConfig(seed=3, locations=300))
    for record in records(network):
        address = record["address"]
        country = by_alpha3(address["countryCode"])
        assert country is not None
        assert record["name"].startswith(record["operator"]["name"] + " ")
        assert re.fullmatch(r"[0-9a-f-]{36}", record["operator"]["partnerId"])
        assert address["street"] in address["label"] and address["postalCode"] in address["label"]
        assert address["label"].endswith(f"{address['city']}, {country.name}") or address[
            "label"
        ].endswith(f"{address['postalCode']}, {country.name}")
        assert address["houseNumber"] in address["label"]
        assert record["timeZone"].startswith("Europe/")
        powers: Counter[tuple[str, int]] = Counter()
        for n, evse in enumerate(record["evses"], 1):
            assert re.fullmatch(rf"{country.alpha2}\*[A-Z]{{3}}\*E\d+\*{n}", evse["evseId"])
            assert evse["status"] in STATUS_V3.values()
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", evse["modified"])
            for connector in evse["connectors"]:
                assert set(connector) == {
                    "id", "standard", "format", "powerType", "maxVoltage", "maxCurrent",
                    "maxPower",
                }
                powers[connector["standard"], connector["maxPower"]] += 1
        assert {(g["standard"], g["maxPower"]): g["connectorCount"]
                for g in record["connectorGroups"]} == powers


def test_power_mixes_are_realistic() -> None:
    found = records(SyntheticNetwork())
    ac = dc = 0
    for record in found:
        for evse in record["evses"]:
            for c in evse["connectors"]:
                kw = c["maxPower"] / 1000
                if c["powerType"] == "dc":
                    dc += 1
                    assert 50 <= kw <= 400 and c["standard"] in ("IEC_62196_T2_COMBO", "CHADEMO")
                    assert c["format"] == "cable"
                else:
                    ac += 1
                    assert kw in (7.4, 11, 22, 43) and c["standard"] == "IEC_62196_T2"
                # Volts and amps allow the power: V * A (* sqrt 3 for three phases).
                va = c["maxVoltage"] * c["maxCurrent"]
                if c["powerType"] == "dc":
                    assert va >= 0.98 * c["maxPower"]
                else:
                    phases = math.sqrt(3) if c["powerType"] == "ac3Phase" else 1.0
                    assert abs(va * phases - c["maxPower"]) <= 0.02 * c["maxPower"]
        if record["operator"]["name"] in FAST_NETWORKS:
            assert all(
                e["connectors"][0]["powerType"] == "dc" for e in record["evses"]
            ), record["name"]
    assert ac > dc > 0.2 * ac  # most public chargers are AC posts
    operators = Counter(r["operator"]["name"] for r in found)
    assert len(operators) >= 15 and {"IONITY", "Allego", "EnBW", "Fastned"} <= set(operators)


def test_statuses_are_the_streams_as_of_now() -> None:
    network = SyntheticNetwork(NetworkConfig(seed=4, locations=200))
    latest: dict[str, str] = {}
    for _, payload in network.snapshot() + network.advance(3 * HOUR):
        for evse in payload["evses"]:
            latest[evse["id"]] = evse["status"]
    for record in records(network):
        for evse in record["evses"]:
            assert evse["status"] == STATUS_V3[latest.pop(evse["id"])]
    assert latest == {}  # every EVSE of the stream is in some record


def test_modified_is_on_the_emulators_clock() -> None:
    network = SyntheticNetwork(NetworkConfig(seed=4, locations=20))
    first = network.location_ids()[0]
    network.advance(2 * HOUR)
    since = network.locations[0].since
    record = network.location_record(first, started_at=1_800_000_000.0, speed=60.0)
    assert record is not None
    assert [e["modified"] for e in record["evses"]] == [
        format_time(1_800_000_000.0 + s / 60.0) for s in since
    ]


def test_content_ids_find_the_record_and_unknown_ids_find_none() -> None:
    network = SyntheticNetwork(NetworkConfig(seed=2, locations=50))
    location_id = network.location_ids()[7]
    assert network.location_record(content_id(location_id)) == network.location_record(
        location_id
    )
    assert network.location_record("here:evcp:charginglocation:nope") is None
    assert network.location_record("") is None


def static(record: dict[str, Any]) -> dict[str, Any]:
    """A record without what changes as the network runs."""
    copy = json.loads(json.dumps(record))
    for evse in copy["evses"]:
        del evse["status"], evse["modified"]
    for group in copy["connectorGroups"]:
        del group["availableConnectorCount"]
    return copy


def test_details_are_the_same_for_the_same_seed_however_far_it_ran() -> None:
    fresh = SyntheticNetwork(NetworkConfig(seed=9, locations=100))
    ran = SyntheticNetwork(NetworkConfig(seed=9, locations=100))
    ran.advance(30 * HOUR)
    assert fresh.location_ids() == ran.location_ids()
    assert [static(r) for r in records(fresh)] == [static(r) for r in records(ran)]
    other = SyntheticNetwork(NetworkConfig(seed=10, locations=100))
    assert set(other.location_ids()).isdisjoint(fresh.location_ids())


def evses(payload: dict[str, Any]) -> list[tuple[str, str, float | None]]:
    return [(e["id"], e["status"], e.get("since")) for e in payload["evses"]]


def test_the_updates_of_a_seed_are_those_it_made_before_ids_were_real_shaped() -> None:
    # Fingerprint of seed 5's first 6 hours (times, EVSE ids and statuses, which location by
    # its place in the network) made by the network of hex location ids. Only the location
    # ids' text may change: the network's behaviour stays the same.
    network = SyntheticNetwork(NetworkConfig(seed=5, locations=300))
    events = network.snapshot() + network.advance(6 * HOUR)
    index = {location_id: i for i, location_id in enumerate(network.location_ids())}
    rows = [
        (round(when, 6), index[p["id"]], evses(p))
        for when, p in events
    ]
    assert len(rows) == 8395
    digest = hashlib.sha256(json.dumps(rows).encode()).hexdigest()
    assert digest == "8d448746bf607978285bc7f8f41649575d008ed16431f02e3a0a4e8ad7137c7f"
