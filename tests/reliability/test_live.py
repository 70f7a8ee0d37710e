"""The live accumulators (columns folded from the store's changes) against the report's fold
(an object per EVSE, fed every update): two computations of the same figures."""

from __future__ import annotations

import base64
import json
import random
from datetime import UTC, datetime

import pytest

from evtui.model import LocationUpdate, StateStore
from evtui.model.reliability import RULES, EvseFigures, GroupFigures, History
from evtui.model.reliability.live import LiveFigures
from evtui.model.reliability.scan import CHUNK, network, totals

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


def folded(messages, rules: str):  # type: ignore[no-untyped-def]
    """The store and its live figures after `messages`, and the newest update (the end)."""
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
    return store, live, end


def by_live_with_network(messages, rules: str):  # type: ignore[no-untyped-def]
    store, live, end = folded(messages, rules)
    out = {}
    for evse, state in store.evses.items():
        row = store.evse_number(evse)
        updated = state.last_updated.timestamp()
        out[evse] = live.figures(row, state.location_id, evse, state.status, updated, end)
    whole = totals(live, end, store.status_codes(), store.status_names, store.update_times())
    return out, network(whole), store


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
    _, network, store = by_live_with_network(messages, rules)
    report = by_report(messages, rules)
    total = GroupFigures()
    for figures in report.values():
        total.add(figures, 0.0)
    assert network.evses == len(report)
    assert network.uptime_pct == pytest.approx(total.uptime_pct, abs=1e-9)
    assert network.down_now == sum(f.down_at_end for f in report.values())
    assert network.flapping == sum(f.flapping for f in report.values())
    # The longest outage going on, by its observed down seconds (gaps left out), as the
    # report measures an outage.
    ongoing = {f.evse: o.duration for f in report.values() for o in f.outage_list
               if o.end is None}  # fmt: skip
    assert network.longest_open == pytest.approx(max(ongoing.values(), default=0.0), abs=1e-6)
    if network.longest_row is not None:
        longest = max(ongoing.values())
        assert ongoing[store.evse_id_at(network.longest_row)] == pytest.approx(longest)


@pytest.mark.parametrize("rules", ["uk", "nevi", "afirev"])
@pytest.mark.parametrize("seed", range(20))
def test_locations_read_from_the_columns_add_up_their_evses_figures(seed: int, rules: str) -> None:
    store, live, end = folded(scripted(seed), rules)
    by_location = totals(
        live, end, store.status_codes(), store.status_names, store.update_times(),
        store.location_of_evses(), store.location_count,
    )  # fmt: skip
    expected: dict[str, GroupFigures] = {}
    for evse, state in store.evses.items():
        figures = live.figures(
            store.evse_number(evse), state.location_id, evse, state.status,
            state.last_updated.timestamp(), end,
        )  # fmt: skip
        expected.setdefault(state.location_id, GroupFigures()).add(figures, 0.0)
    t = by_location
    got = {store.location_id_at(n): n for n in range(len(t)) if t.evses[n]}
    assert set(got) == set(expected)
    for location, want in expected.items():
        i = got[location]
        counts = {"evses": t.evses, "outages": t.outages, "down_now": t.down_now,
                  "flapping_evses": t.flapping, "stale_evses": t.stale,
                  "observed_evses": t.observed_evses, "over_97": t.over_97,
                  "over_99": t.over_99}  # fmt: skip
        for name, column in counts.items():
            assert column[i] == getattr(want, name), (location, name)
        sums = {"observed_s": t.observed, "up_s": t.up, "working_s": t.working,
                "charging_s": t.charging, "longest_outage_s": t.longest}  # fmt: skip
        for name, column in sums.items():
            assert column[i] == pytest.approx(getattr(want, name), abs=1e-6), (location, name)


@pytest.mark.parametrize("together", [False, True])
@pytest.mark.parametrize("rules", ["uk", "afirev"])
def test_totals_read_in_chunks_add_up_every_evse_across_chunk_boundaries(
    rules: str, together: bool
) -> None:
    # More EVSEs than two chunks, each location's EVSEs spread over all of them (EVSE n at
    # location n % 7), or numbered together (n * 7 // count, as when a location's EVSEs are
    # first seen in one message), a silence in reception in the middle: the totals by
    # location and the network's must be the sums of every EVSE's own figures.
    rng = random.Random(7)
    store, live, latest = StateStore(), LiveFigures(RULES[rules]), 0
    count = 2 * CHUNK + 123
    for step, received in enumerate([T0, T0 + 10, T0 + 5000]):
        live.received(received)
        payloads = [
            LocationUpdate.from_json(json.dumps({"id": f"L{n * 7 // count if together else n % 7}",
                "evses": [
                {"id": f"E{n}", "status": rng.choice(STATUSES),
                 "last_updated": stamp(T0 + step * 3600 + rng.randint(0, 600))}]}))
            for n in range(count)
        ]  # fmt: skip
        result = store.apply(payloads)
        live.fold(result.history, store.status_names)
        latest = max(latest, result.latest or 0)
    end = latest / 1e6
    expected: dict[int, GroupFigures] = {}
    for evse, state in store.evses.items():
        figures = live.figures(
            store.evse_number(evse), state.location_id, evse, state.status,
            state.last_updated.timestamp(), end,
        )  # fmt: skip
        expected.setdefault(store.location_number(state.location_id), GroupFigures()).add(
            figures, 0.0
        )
    columns = (store.status_codes(), store.status_names, store.update_times())
    by_location = totals(live, end, *columns, store.location_of_evses(), store.location_count)
    assert by_location.evses.tolist() == [expected[n].evses for n in range(7)]
    assert by_location.outages.tolist() == [expected[n].outages for n in range(7)]
    assert by_location.down_now.tolist() == [expected[n].down_now for n in range(7)]
    assert by_location.up.tolist() == pytest.approx([expected[n].up_s for n in range(7)])
    assert by_location.observed.tolist() == pytest.approx(
        [expected[n].observed_s for n in range(7)]
    )
    assert by_location.longest.tolist() == pytest.approx(
        [expected[n].longest_outage_s for n in range(7)]
    )
    whole = network(totals(live, end, *columns))
    assert whole.evses == count
    assert whole.down_now == sum(g.down_now for g in expected.values())
    up = sum(g.up_s for g in expected.values())
    observed = sum(g.observed_s for g in expected.values())
    assert whole.uptime_pct == pytest.approx(100 * up / observed)


def test_a_restored_state_whose_summary_was_read_goes_on_folding() -> None:
    # A full checkpoint restored (as a seek does), the summary painted before the next
    # message, then that message: it must fold (the status classes are learnt once, for both
    # the fold and the whole-network read).
    from evtui.model import Batch, MonitorState, StreamMessage, decode_document

    def message(status: str, at: float) -> Batch:
        doc = {"id": "L", "evses": [{"id": "E", "status": status, "last_updated": stamp(at)}]}
        received = StreamMessage(0, 0, None, received_at=at)
        return Batch((decode_document(received, json.dumps(doc).encode()),))

    state = MonitorState()
    state.apply(message("AVAILABLE", T0))
    restored = MonitorState.restore(json.loads(json.dumps(state.snapshot())))
    assert restored.network_figures().evses == 1
    restored.apply(message("OUT_OF_ORDER", T0 + 60))
    restored.apply(message("AVAILABLE", T0 + 120))
    figures = restored.network_figures()
    assert figures.uptime_pct == pytest.approx(50.0) and figures.down_now == 0


@pytest.mark.parametrize("rules", ["uk", "afirev"])
def test_a_checkpoint_of_the_version_before_restores_the_same_figures(rules: str) -> None:
    # Version 1 kept the flapping state in 8-byte integers and the up seconds under every
    # rule set; sessions recorded then still replay with their figures (flapping too), not
    # counted afresh from the checkpoint.
    from array import array

    from evtui.model import MonitorState

    state = MonitorState(rules=RULES[rules])
    store, live, _ = folded(scripted(3), rules)
    state.store, state.reliability = store, live
    snapshot = json.loads(json.dumps(state.snapshot()))
    rows = snapshot["reliability"]["rows"]
    data = base64.b64decode(snapshot["reliability_columns"])
    # The columns in order: since, 5 classes' seconds, outages (4 bytes), longest, run start,
    # run down, up (AFIREV only, now), flap (4 bytes now), last return.
    graced = rules == "afirev"
    flap_at = rows * 8 * 6 + rows * 4 + rows * 8 * (4 if graced else 3)
    flap = array("I", data[flap_at : flap_at + rows * 4])
    assert any(flap), "the script must leave some flapping state to carry"
    # Version 1's up seconds under UK rules: read past (the classes' seconds give them).
    up = b"" if graced else array("d", [1e9] * rows).tobytes()
    old = data[:flap_at] + up + array("q", flap).tobytes() + data[flap_at + rows * 4 :]
    snapshot["reliability"]["version"] = 1
    snapshot["reliability_columns"] = base64.b64encode(old).decode()

    restored = MonitorState.restore(snapshot)
    assert restored.reliability.rules.name == rules
    before, after = state.network_figures(), restored.network_figures()
    assert after == before and after.evses == 6
    assert restored.reliability.dump()[1] == live.dump()[1]
