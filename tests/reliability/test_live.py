"""The live accumulators (columns folded from the store's changes) against the report's fold
(an object per EVSE, fed every update): two computations of the same figures."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime

import pytest

from evtui.model import LocationUpdate, StateStore
from evtui.model.reliability import RULES, EvseFigures, GroupFigures, History
from evtui.model.reliability.live import LiveFigures

STATUSES = ["AVAILABLE", "CHARGING", "OUT_OF_ORDER", "INOPERATIVE", "UNKNOWN", "RESERVED",
            "BLOCKED", "PLANNED"]  # fmt: skip
T0 = 1_795_600_800


def stamp(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat().replace("+00:00", "Z")


def scripted(seed: int) -> list[tuple[float, list[tuple[str, str, str, float]]]]:
    """Messages (received at, [(location, evse, status, last_updated)]): flapping runs,
    repeats, late updates, long UNKNOWNs and silences longer than the gap."""
    rng = random.Random(seed)
    evses = [(f"L{n % 3}", f"E{n}") for n in range(6)]
    clock = {evse: float(T0) for _, evse in evses}
    received = float(T0)
    messages = []
    for _ in range(rng.randint(20, 120)):
        received += rng.choice([1, 5, 30, 200, 400, 4000]) if rng.random() < 0.9 else 90_000
        location, evse = rng.choice(evses)
        items = []
        for _ in range(rng.randint(1, 3)):
            step = rng.choice([0, 10, 45, 600, 3600, 30 * 3600])
            at = clock[evse] + step if rng.random() > 0.1 else clock[evse] - 100  # late
            clock[evse] = max(clock[evse], at)
            weights = [5, 4, 2, 1, 2, 1, 1, 1]
            items.append((location, evse, rng.choices(STATUSES, weights)[0], at))
        messages.append((received, items))
    return messages


def by_report(messages, rules: str) -> dict[str, EvseFigures]:  # type: ignore[no-untyped-def]
    history = History(RULES[rules])
    for received, items in messages:
        history.received(received)
        for location, evse, status, at in items:
            history.update(location, evse, status, at)
    return {f.evse: f for f in history.finish().evses}


def by_live(messages, rules: str) -> dict[str, EvseFigures]:  # type: ignore[no-untyped-def]
    return by_live_with_network(messages, rules)[0]


def by_live_with_network(messages, rules: str):  # type: ignore[no-untyped-def]
    store, live, latest = StateStore(), LiveFigures(RULES[rules]), 0
    for received, items in messages:
        live.received(received)
        payloads = [
            LocationUpdate.from_json(json.dumps({"id": location, "evses": [
                {"id": evse, "status": status, "last_updated": stamp(at)}]}))
            for location, evse, status, at in items
        ]  # fmt: skip
        result = store.apply(payloads)
        live.fold(result.history, store.status_names)
        latest = max(latest, result.latest or 0)
    end = latest / 1e6
    out = {}
    for evse, state in store.evses.items():
        row = store.evse_number(evse)
        updated = state.last_updated.timestamp()
        out[evse] = live.figures(row, state.location_id, evse, state.status, updated, end)
    return out, live.network(end, store.status_codes(), store.status_names), end


@pytest.mark.parametrize("rules", ["uk", "nevi", "afirev"])
@pytest.mark.parametrize("seed", range(40))
def test_live_figures_are_the_reports(seed: int, rules: str) -> None:
    messages = scripted(seed)
    report, live = by_report(messages, rules), by_live(messages, rules)
    assert set(report) == set(live)
    for evse, r in report.items():
        f = live[evse]
        assert f.observed_s == pytest.approx(r.observed_s, abs=1e-6), evse
        assert f.up_s == pytest.approx(r.up_s, abs=1e-6), evse
        assert f.working_s == pytest.approx(r.working_s, abs=1e-6), evse
        assert f.charging_s == pytest.approx(r.charging_s, abs=1e-6), evse
        assert (f.outages, f.ongoing, f.flapping, f.stale, f.status, f.down_at_end) == (
            r.outages, r.ongoing, r.flapping, r.stale, r.status, r.down_at_end
        ), evse  # fmt: skip
        assert f.longest_outage_s == pytest.approx(r.longest_outage_s, abs=1e-6), evse
        assert f.open_outage_s == pytest.approx(r.open_outage_s, abs=1e-6), evse


@pytest.mark.parametrize("rules", ["uk", "nevi", "afirev"])
@pytest.mark.parametrize("seed", range(40))
def test_the_network_summary_adds_up_the_evses(seed: int, rules: str) -> None:
    messages = scripted(seed)
    _, network, end = by_live_with_network(messages, rules)
    report = by_report(messages, rules)
    total = GroupFigures()
    for figures in report.values():
        total.add(figures, 0.0)
    assert network.evses == len(report)
    assert network.uptime_pct == pytest.approx(total.uptime_pct, abs=1e-9)
    assert network.down_now == sum(f.down_at_end for f in report.values())
    assert network.flapping == sum(f.flapping for f in report.values())
    ongoing = [o.start for f in report.values() for o in f.outage_list if o.end is None]
    just_down = [f for f in report.values() if f.down_at_end and not f.ongoing]
    if ongoing:
        assert network.longest_open == pytest.approx(end - min(ongoing), abs=1e-6)
    elif not just_down:
        assert network.longest_open == 0


@pytest.mark.parametrize("rules", ["uk", "nevi", "afirev"])
@pytest.mark.parametrize("seed", range(20))
def test_locations_read_from_the_columns_add_up_their_evses_figures(seed: int, rules: str) -> None:
    messages = scripted(seed)
    store, live, latest = StateStore(), LiveFigures(RULES[rules]), 0
    for received, items in messages:
        live.received(received)
        payloads = [
            LocationUpdate.from_json(json.dumps({"id": location, "evses": [
                {"id": evse, "status": status, "last_updated": stamp(at)}]}))
            for location, evse, status, at in items
        ]  # fmt: skip
        result = store.apply(payloads)
        live.fold(result.history, store.status_names)
        latest = max(latest, result.latest or 0)
    end = latest / 1e6
    by_number = live.by_location(
        end, store.status_codes(), store.status_names, store.location_of_evses(),
        store.update_times(),
    )  # fmt: skip
    expected: dict[str, GroupFigures] = {}
    for evse, state in store.evses.items():
        figures = live.figures(
            store.evse_number(evse), state.location_id, evse, state.status,
            state.last_updated.timestamp(), end,
        )  # fmt: skip
        expected.setdefault(state.location_id, GroupFigures()).add(figures, 0.0)
    got = {store.location_id_at(n): g for n, g in by_number.items()}
    assert set(got) == set(expected)
    for location, want in expected.items():
        have = got[location]
        for name in ("evses", "outages", "down_now", "flapping_evses", "stale_evses",
                     "observed_evses", "over_97", "over_99"):  # fmt: skip
            assert getattr(have, name) == getattr(want, name), (location, name)
        for name in ("observed_s", "up_s", "down_s", "working_s", "charging_s",
                     "longest_outage_s"):  # fmt: skip
            assert getattr(have, name) == pytest.approx(getattr(want, name), abs=1e-6), name
