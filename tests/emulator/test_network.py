"""The synthetic network behind `evtui demo`: shaped like a real one, and reproducible."""

from __future__ import annotations

from collections import Counter

from evtui.emulator import NetworkConfig, SyntheticNetwork
from evtui.model import KNOWN_STATUSES

HOUR = 3600.0


def run(seed: int, hours: float = 2.0, locations: int = 300) -> list[tuple[float, dict]]:  # type: ignore[type-arg]
    network = SyntheticNetwork(NetworkConfig(seed=seed, locations=locations))
    return network.snapshot() + network.advance(hours * HOUR)


def test_same_seed_same_stream_other_seed_other_stream() -> None:
    assert run(5) == run(5)
    assert run(5) != run(6)


def test_default_network_has_2000_locations_of_1_to_12_evses() -> None:
    snapshot = SyntheticNetwork().snapshot()
    assert len(snapshot) == 2000
    sizes = Counter(len(payload["evses"]) for _, payload in snapshot)
    assert min(sizes) == 1 and max(sizes) == 12
    ids = [e["id"] for _, p in snapshot for e in p["evses"]]
    assert len(ids) == len(set(ids))


def test_every_known_status_occurs_and_sessions_move() -> None:
    events = run(1, hours=6, locations=2000)
    statuses = Counter(e["status"] for _, p in events for e in p["evses"])
    assert set(statuses) == set(KNOWN_STATUSES)
    assert statuses["CHARGING"] > statuses["RESERVED"] > 0


def test_charging_sessions_last_20_to_120_minutes() -> None:
    network = SyntheticNetwork(NetworkConfig(seed=3, locations=500))
    started: dict[str, float] = {}
    lengths = []
    for when, payload in network.advance(12 * HOUR):
        for evse in payload["evses"]:
            if evse["status"] == "CHARGING":
                started[evse["id"]] = when
            elif evse["id"] in started:
                lengths.append(when - started.pop(evse["id"]))
    assert len(lengths) > 100
    # A session ends by itself after 20-120 min, or earlier when a fault or link loss hits it.
    assert sum(20 * 60 <= n <= 120 * 60 for n in lengths) / len(lengths) > 0.95
    assert max(lengths) <= 120 * 60


def test_nights_are_quieter_than_afternoons() -> None:
    network = SyntheticNetwork(NetworkConfig(seed=2, locations=2000, start_hour=0.0))
    network.advance(14 * HOUR)
    afternoon = len(network.advance(18 * HOUR))  # 14:00-18:00
    network.advance(26 * HOUR)
    night = len(network.advance(30 * HOUR))  # 02:00-06:00 the next night
    assert afternoon > 2 * night


def test_a_lost_link_turns_a_whole_location_unknown_then_restores_it() -> None:
    events = run(1, hours=24, locations=2000)
    by_location: dict[str, list[dict]] = {}  # type: ignore[type-arg]
    sizes = {p["id"]: len(p["evses"]) for _, p in events[:2000]}
    for _, payload in events[2000:]:
        by_location.setdefault(payload["id"], []).append(payload)
    outages = [
        (lid, updates)
        for lid, updates in by_location.items()
        if any(
            len(u["evses"]) == sizes[lid] and {e["status"] for e in u["evses"]} == {"UNKNOWN"}
            for u in updates
        )
    ]
    assert outages
    lid, updates = outages[0]
    down = next(
        i for i, u in enumerate(updates) if {e["status"] for e in u["evses"]} == {"UNKNOWN"}
    )
    assert any(
        len(u["evses"]) == sizes[lid] and "UNKNOWN" not in {e["status"] for e in u["evses"]}
        for u in updates[down + 1 :]
    )
