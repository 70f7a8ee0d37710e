"""The state store: what a user sees counted, and which changes they see scroll by."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from evtui.model import (
    Batch,
    EvseUpdate,
    LocationUpdate,
    MonitorState,
    StateStore,
    StreamMessage,
    decode_document,
)
from evtui.model.state import SnapshotError


def at(minute: int) -> datetime:
    return datetime(2026, 11, 25, 12, minute, tzinfo=UTC)


def update(location: str, *evses: tuple[str, str, int]) -> LocationUpdate:
    return LocationUpdate(
        id=location,
        evses=[EvseUpdate(id=e, status=s, last_updated=at(m)) for e, s, m in evses],
    )


def test_first_sightings_count_but_are_not_changes() -> None:
    store = StateStore()
    result = store.apply([update("L1", ("E1", "AVAILABLE", 0), ("E2", "CHARGING", 0))])
    assert store.counts == {"AVAILABLE": 1, "CHARGING": 1}
    assert result.changes == []
    assert [(c.evse_id, c.old, c.new) for c in result.first_seen] == [
        ("E1", None, "AVAILABLE"),
        ("E2", None, "CHARGING"),
    ]
    assert list(store.events) == []
    assert store.locations["L1"].evse_ids == ["E1", "E2"]


def test_a_change_moves_counts_and_is_logged_with_since() -> None:
    store = StateStore()
    store.apply([update("L1", ("E1", "AVAILABLE", 0), ("E2", "AVAILABLE", 0))])
    result = store.apply([update("L1", ("E1", "CHARGING", 5))])
    assert store.counts["AVAILABLE"] == 1
    assert store.counts["CHARGING"] == 1
    assert store.locations["L1"].counts["CHARGING"] == 1
    assert [(c.old, c.new, c.time) for c in result.changes] == [("AVAILABLE", "CHARGING", at(5))]
    assert store.evses["E1"].since == at(5)
    assert store.evses["E1"].changes == 1
    assert store.transitions[("AVAILABLE", "CHARGING")] == 1
    assert result.locations == {"L1"}
    assert store.newest == at(5)


def test_repeated_status_keeps_since_and_is_not_a_change() -> None:
    store = StateStore()
    store.apply([update("L1", ("E1", "CHARGING", 0))])
    result = store.apply([update("L1", ("E1", "CHARGING", 9))])
    assert not result.changed
    assert result.updates == 1
    assert store.evses["E1"].since == at(0)
    assert store.evses["E1"].last_updated == at(9)


def test_stale_update_does_not_roll_status_back() -> None:
    store = StateStore()
    store.apply([update("L1", ("E1", "CHARGING", 10))])
    result = store.apply([update("L1", ("E1", "AVAILABLE", 3))])
    assert result.stale == 1
    assert store.evses["E1"].status == "CHARGING"


def test_unknown_statuses_are_counted_under_their_own_name() -> None:
    store = StateStore()
    store.apply([update("L1", ("E1", "AVAILABLE", 0))])
    store.apply([update("L1", ("E1", "PLANNED", 1))])
    assert store.counts["PLANNED"] == 1
    assert store.counts["AVAILABLE"] == 0


def test_event_ring_is_bounded_and_keeps_the_newest() -> None:
    store = StateStore(max_events=3)
    statuses = ["AVAILABLE", "CHARGING"]
    for minute in range(10):
        store.apply([update("L1", ("E1", statuses[minute % 2], minute))])
    assert len(store.events) == 3
    assert [c.time for c in store.events] == [at(7), at(8), at(9)]
    assert store.evses["E1"].changes == 9


def test_evse_reported_under_another_location_moves_there() -> None:
    store = StateStore()
    store.apply([update("L1", ("E1", "AVAILABLE", 0))])
    store.apply([update("L2", ("E1", "AVAILABLE", 1))])
    assert store.locations["L1"].evse_ids == []
    assert store.locations["L1"].counts["AVAILABLE"] == 0
    assert store.locations["L2"].counts["AVAILABLE"] == 1
    assert store.evses["E1"].location_id == "L2"


def test_naive_timestamps_are_taken_as_utc() -> None:
    store = StateStore()
    naive = LocationUpdate(
        id="L1",
        evses=[EvseUpdate(id="E1", status="AVAILABLE", last_updated=datetime(2026, 1, 1))],
    )
    store.apply([naive])
    assert store.evses["E1"].since == datetime(2026, 1, 1, tzinfo=UTC)


def test_counts_always_sum_to_the_evses_known() -> None:
    store = StateStore()
    cycle = ["AVAILABLE", "CHARGING", "RESERVED", "BLOCKED", "UNKNOWN"]
    for minute in range(40):
        store.apply([update(f"L{minute % 4}", (f"E{minute % 7}", cycle[minute % 5], minute))])
    assert sum(store.counts.values()) == store.evse_count
    for loc in store.locations.values():
        assert sum(loc.counts.values()) == len(loc.evse_ids)


def test_each_evse_keeps_a_bounded_history_that_samples_into_a_timeline() -> None:
    from datetime import UTC, datetime, timedelta

    from evtui.model import LocationUpdate, StateStore, sample_history
    from evtui.model.store_columns import HISTORY_LIMIT

    t0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    store = StateStore()
    statuses = ["AVAILABLE", "CHARGING"] * (HISTORY_LIMIT + 5)
    for minute, status in enumerate(statuses):
        store.apply(
            [
                LocationUpdate.from_data(
                    {
                        "id": "L",
                        "evses": [
                            {
                                "id": "E",
                                "status": status,
                                "last_updated": t0 + timedelta(minutes=minute),
                            }
                        ],
                    }
                )
            ]
        )
    history = store.evses["E"].history
    assert len(history) == HISTORY_LIMIT
    assert history[-1] == (t0 + timedelta(minutes=len(statuses) - 1), "CHARGING")
    # Before the first kept period the status is unknown; each slice shows the one then.
    start = history[0][0] - timedelta(minutes=2)
    cells = sample_history(history, start, start + timedelta(minutes=6), 6)
    assert cells == [None, None, "AVAILABLE", "CHARGING", "AVAILABLE", "CHARGING"]


def test_a_publisher_clock_running_ahead_does_not_hide_a_stalled_stream() -> None:
    store = StateStore()
    arrived = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    ahead = {
        "id": "L",
        "evses": [{"id": "E", "status": "AVAILABLE", "last_updated": "2026-11-30T13:30:00Z"}],
    }
    message = StreamMessage(0, 0, None, received_at=arrived.timestamp())
    document = json.dumps(ahead).encode()
    store.apply(Batch((decode_document(message, document),)))
    # The update is kept as published, but "the newest time seen" is when it arrived, so
    # the lag grows from there if nothing else comes.
    assert store.evses["E"].last_updated == datetime(2026, 11, 30, 13, 30, tzinfo=UTC)
    assert store.newest == arrived


def test_every_kind_of_evse_id_comes_back_exactly() -> None:
    # The store holds HERE's own ids compactly; every id must still read back as published.
    digits = "0ed904759531985d5d9dc9f81818e811892f902bd23f0824128b2f330c5c7fd0"
    ids = [
        f"here:evcp:evse:{digits}",  # HERE's shape: held as bytes
        f"here:evcp:evse:{digits.upper()}",  # uppercase: must not come back lowercased
        f"here:evcp:evse:{digits[:-2]} f",  # a space where hex parsers skip spaces
        f"here:evcp:evse:{digits}x",  # one character too many
        "E1",
        "here:evcp:evse:",
    ]
    store = StateStore()
    store.apply([update("L1", *((e, "AVAILABLE", 0) for e in ids))])
    result = store.apply([update("L1", *((e, "CHARGING", 1) for e in ids))])
    assert list(store.evses) == ids
    assert store.locations["L1"].evse_ids == ids
    assert [c.evse_id for c in result.changes] == ids
    assert all(store.evses[e].status == "CHARGING" for e in ids)
    assert f"here:evcp:evse:{digits.upper()}" in store.evses
    assert f"here:evcp:evse:{digits[:-1]}F" not in store.evses
    state = MonitorState()
    state.store = store
    restored = MonitorState.restore(json.loads(json.dumps(state.snapshot()))).store
    assert list(restored.evses) == ids
    assert [restored.evses[e].history for e in ids] == [store.evses[e].history for e in ids]


def test_every_kind_of_location_id_comes_back_exactly() -> None:
    # HERE's location ids are held as the bytes after their prefix; none may be confused
    # with another, whatever its shape, in the views, the changes and every snapshot.
    tail = "56u1516726h2-aGVyZS1ldjplY29tb3ZlbWVudDoxMjc3ODgxMDM"
    ids = [
        f"here:evcp:charginglocation:{tail}",  # HERE's shape: held as bytes
        tail,  # the same tail with no prefix: another location
        f"here:evcp:charginglocation:{tail}é",  # not ASCII: held as text
        "here:evcp:charginglocation:",
        "L1",
    ]
    state = MonitorState()
    store = state.store
    base = state.snapshot()
    mark = state.mark()
    first_seen, changes = [], []
    for minute, status in enumerate(("AVAILABLE", "CHARGING")):
        result = store.apply(
            [update(loc, (f"E{n}", status, minute)) for n, loc in enumerate(ids)]
        )
        first_seen += result.first_seen
        changes += result.changes
    assert list(store.locations) == ids
    assert [c.location_id for c in result.changes] == ids
    assert [store.evses[f"E{n}"].location_id for n in range(len(ids))] == ids
    assert all(store.location_statuses(loc) == ["CHARGING"] for loc in ids)
    assert "here:evcp:charginglocation:x" not in store.locations
    assert [store.location_number(loc) for loc in ids] == list(range(len(ids)))
    restored = MonitorState.restore(json.loads(json.dumps(state.snapshot()))).store
    assert list(restored.locations) == ids
    assert [restored.locations[loc].evse_ids for loc in ids] == [[f"E{n}"] for n in range(5)]
    delta = json.loads(json.dumps(state.snapshot_delta(mark, first_seen, changes)))
    assert delta["new_locations"] == ids
    from_delta = MonitorState.restore(base, deltas=[delta]).store
    assert list(from_delta.locations) == ids
    assert [c.location_id for c in from_delta.events] == [c.location_id for c in store.events]


def test_a_location_s_history_start_is_its_earliest_remembered_period() -> None:
    # The left edge of a location's timelines, read from the columns, against the one the
    # copies of its EVSEs give: by hand, and once older periods have been forgotten.
    from datetime import timedelta

    from evtui.model.store_columns import HISTORY_LIMIT

    store = StateStore()
    assert store.history_start("L") is None
    store.apply([update("L", ("E1", "AVAILABLE", 5), ("E2", "CHARGING", 3))])
    store.apply([update("M", ("E3", "AVAILABLE", 1))])
    assert store.history_start("L") == at(3)
    statuses = ["CHARGING", "AVAILABLE"] * HISTORY_LIMIT
    for n, status in enumerate(statuses):
        # E2 more often than the store remembers, E1 less: E1's first period is the edge.
        late = at(10) + timedelta(seconds=n)
        store.apply([LocationUpdate(id="L", evses=[EvseUpdate("E2", status, late)])])
        if n % 3 == 0:
            store.apply([LocationUpdate(id="L", evses=[EvseUpdate("E1", status, late)])])

    def by_copies(location_id: str) -> datetime:
        location = store.locations[location_id]
        return min(store.evses[e].history[0][0] for e in location.evse_ids)

    assert store.history_start("L") == by_copies("L") == at(5)
    for n in range(HISTORY_LIMIT):
        late = at(20) + timedelta(seconds=n)
        store.apply([LocationUpdate(id="L", evses=[EvseUpdate("E1", statuses[n], late)])])
    assert store.history_start("L") == by_copies("L") > at(10)
    assert store.history_start("M") == by_copies("M") == at(1)


@pytest.mark.parametrize(
    "damage",
    [lambda n: n + 0.5, str, lambda n: n + 2**70],
    ids=["a fraction", "text", "beyond 64 bits"],
)
def test_a_delta_whose_changes_are_not_whole_numbers_is_refused(
    damage: Callable[[int], object],
) -> None:
    state = MonitorState()
    base = state.snapshot()
    mark = state.mark()
    first = state.store.apply([update("L1", ("E1", "AVAILABLE", 0))])
    then = state.store.apply([update("L1", ("E1", "CHARGING", 1))])
    delta = json.loads(
        json.dumps(state.snapshot_delta(mark, first.first_seen, first.changes + then.changes))
    )
    assert MonitorState.restore(base, deltas=[delta]).store.evses["E1"].status == "CHARGING"
    delta["changes"] = [damage(n) for n in delta["changes"]]
    with pytest.raises(SnapshotError):
        MonitorState.restore(base, deltas=[delta])


def plain_timelines(store: StateStore, status: Callable[[str], int]) -> tuple[int, bytes, bytes]:
    """What a binary snapshot keeps of the timelines, computed plainly from each EVSE's
    `history` (the format's own words: every EVSE's earlier periods in row order, each start as
    the time since the one before in byte planes, then their statuses)."""
    starts: list[int] = []
    codes: list[int] = []
    for evse in store.evses.values():
        for when, name in evse.history[:-1]:
            starts.append(round(when.timestamp() * 1_000_000))
            codes.append(status(name))
    unit = 1_000_000 if all(t % 1_000_000 == 0 for t in starts) else 1
    deltas = [b // unit - a // unit for a, b in zip([0, *starts], starts, strict=False)]
    raw = b"".join(d.to_bytes(8, "little", signed=True) for d in deltas)
    return unit, b"".join(raw[i::8] for i in range(8)), bytes(codes)


@pytest.mark.parametrize("fraction", [0, 250_000])
def test_a_binary_snapshot_keeps_every_timeline_period_by_period(fraction: int) -> None:
    from datetime import timedelta

    from evtui.model.store_columns import HISTORY_LIMIT

    t0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    store = StateStore()
    # EVSEs of no earlier period, of a few, and of more than a timeline keeps; at whole
    # seconds (kept in seconds) or not (microseconds).
    cycle = ["AVAILABLE", "CHARGING", "OUT_OF_ORDER", "AVAILABLE", "UNKNOWN"]
    for n in range(HISTORY_LIMIT + 10):
        when = t0 + timedelta(minutes=n, microseconds=fraction)
        evses = [
            {"id": f"E{e}", "status": cycle[(n + e) % 5], "last_updated": when}
            for e in range(7)
            if n < 1 + e * 12
        ]
        store.apply([LocationUpdate.from_data({"id": f"L{n % 3}", "evses": evses})])
    statuses: dict[str, int] = {}

    def status(name: str) -> int:
        return statuses.setdefault(name, len(statuses))

    dumped = store.dump_binary(status)
    assert [row[6] for row in dumped["evses"]] == [
        len(e.history) - 1 for e in store.evses.values()
    ]
    assert max(row[6] for row in dumped["evses"]) == HISTORY_LIMIT - 1
    unit, planes, codes = plain_timelines(store, status)
    assert dumped["period_unit"] == unit == (1 if fraction else 1_000_000)
    assert (dumped["period_times"], dumped["period_statuses"]) == (planes, codes)
