"""Watchlist alerts: an EVSE back to AVAILABLE, and a location whose EVSEs are all down."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from evtui.model import AlertKind, AlertTracker, LocationUpdate, StateStore

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def update(location: str, minute: int, **evses: str) -> LocationUpdate:
    return LocationUpdate.from_data(
        {
            "id": location,
            "evses": [
                {"id": e, "status": s, "last_updated": T0 + timedelta(minutes=minute)}
                for e, s in evses.items()
            ],
        }
    )


def test_back_to_available_alerts_only_for_watched_locations() -> None:
    store, tracker = StateStore(), AlertTracker()
    tracker.check(
        store, store.apply([update("L1", 0, e1="CHARGING"), update("L2", 0, e2="CHARGING")]), {"L1"}
    )
    result = store.apply([update("L1", 1, e1="AVAILABLE"), update("L2", 1, e2="AVAILABLE")])
    alerts = tracker.check(store, result, {"L1"})
    assert [(a.kind, a.location_id, a.evses) for a in alerts] == [
        (AlertKind.AVAILABLE_AGAIN, "L1", ("e1",))
    ]


def test_first_sighting_as_available_is_not_an_alert() -> None:
    store, tracker = StateStore(), AlertTracker()
    assert tracker.check(store, store.apply([update("L1", 0, e1="AVAILABLE")]), {"L1"}) == []


def test_all_down_fires_once_when_the_last_evse_goes_down() -> None:
    store, tracker = StateStore(), AlertTracker()
    watched = {"L1"}
    tracker.check(store, store.apply([update("L1", 0, a="CHARGING", b="AVAILABLE")]), watched)
    assert tracker.check(store, store.apply([update("L1", 1, a="OUT_OF_ORDER")]), watched) == []
    alerts = tracker.check(store, store.apply([update("L1", 2, b="INOPERATIVE")]), watched)
    assert [(a.kind, a.evses) for a in alerts] == [(AlertKind.ALL_DOWN, ("a", "b"))]
    # Still down: no repeat. Back up and down again: a new alert.
    assert tracker.check(store, store.apply([update("L1", 3, a="INOPERATIVE")]), watched) == []
    tracker.check(store, store.apply([update("L1", 4, a="AVAILABLE")]), watched)
    alerts = tracker.check(store, store.apply([update("L1", 5, a="OUT_OF_ORDER")]), watched)
    assert [a.kind for a in alerts] == [AlertKind.ALL_DOWN]
