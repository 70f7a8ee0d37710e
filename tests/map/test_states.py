"""A location's state on the map, from its EVSEs' statuses and ages."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from evtui.map.states import MapState, location_states
from evtui.model import EvseUpdate, LocationUpdate, StateStore
from evtui.model.reliability import DOWN, STALE_AFTER

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def micros(when: datetime) -> int:
    return int(when.timestamp() * 1_000_000)


def location(lid: str, *evses: tuple[str, float]) -> LocationUpdate:
    """EVSEs as (status, hours before NOW of their last update)."""
    return LocationUpdate(
        id=lid,
        evses=[
            EvseUpdate(id=f"{lid}-{n}", status=s, last_updated=NOW - timedelta(hours=h))
            for n, (s, h) in enumerate(evses)
        ],
    )


def test_each_state_by_hand() -> None:
    store = StateStore()
    store.apply(
        [
            location("down", ("OUT_OF_ORDER", 1), ("INOPERATIVE", 1)),
            location("part", ("AVAILABLE", 1), ("OUT_OF_ORDER", 1)),
            location("free", ("AVAILABLE", 1), ("CHARGING", 1), ("UNKNOWN", 1)),
            location("busy", ("CHARGING", 1), ("RESERVED", 1), ("BLOCKED", 1)),
            location("dark", ("UNKNOWN", 1), ("SOMETHING_NEW", 1)),
            # Charging for 30 hours without a word is stale: unknown, as UNKNOWN is.
            location("stale", ("CHARGING", 30), ("UNKNOWN", 2)),
            # A stale EVSE beside a working one: the location still works.
            location("half", ("CHARGING", 30), ("CHARGING", 1)),
        ]
    )
    states = location_states(store, micros(NOW))
    got = {store.location_id_at(n): MapState(int(s)) for n, s in enumerate(states)}
    assert got == {
        "down": MapState.ALL_DOWN,
        "part": MapState.SOME_DOWN,
        "free": MapState.AVAILABLE,
        "busy": MapState.BUSY,
        "dark": MapState.UNKNOWN,
        "stale": MapState.UNKNOWN,
        "half": MapState.BUSY,
    }
    # An hour earlier nothing was stale yet: the state moves with the clock (replays).
    earlier = location_states(store, micros(NOW - timedelta(hours=7)))
    assert MapState(int(earlier[store.location_number("stale")])) == MapState.BUSY


def reference(statuses: list[tuple[str, datetime]], now: datetime) -> MapState:
    """The rule of evtui/map/states.py, one location at a time, in plain Python."""
    kinds = []
    for status, updated in statuses:
        limit = STALE_AFTER.get(status)
        stale = limit is not None and (now - updated).total_seconds() > limit
        if status in DOWN:
            kinds.append("down")
        elif stale or status not in {"AVAILABLE", "CHARGING", "RESERVED", "BLOCKED"}:
            kinds.append("unknown")
        else:
            kinds.append("free" if status == "AVAILABLE" else "busy")
    if kinds and all(k == "down" for k in kinds):
        return MapState.ALL_DOWN
    if "down" in kinds:
        return MapState.SOME_DOWN
    if all(k == "unknown" for k in kinds):
        return MapState.UNKNOWN
    return MapState.AVAILABLE if "free" in kinds else MapState.BUSY


def test_random_networks_against_a_second_computation() -> None:
    rng = random.Random(3)
    statuses = ["AVAILABLE", "CHARGING", "RESERVED", "BLOCKED", "OUT_OF_ORDER",
                "INOPERATIVE", "UNKNOWN", "PLANNED"]  # fmt: skip
    for _ in range(20):
        store = StateStore()
        for batch in range(3):  # later batches change some EVSEs and move the clock
            updates = []
            for n in range(40):
                evses = [
                    (rng.choice(statuses), rng.choice([0.5, 10, 23, 25, 40]) + batch)
                    for _ in range(rng.randint(1, 4))
                ]
                updates.append(location(f"L{n}", *evses))
            store.apply(updates)
        states = location_states(store, micros(NOW))
        for lid, state in store.locations.items():
            evses = [store.evses[e] for e in state.evse_ids]
            want = reference([(e.status, e.last_updated) for e in evses], NOW)
            assert MapState(int(states[store.location_number(lid)])) == want, lid
