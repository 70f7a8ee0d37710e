"""An independent computation of the reliability figures by sampling each second, compared
with the report's fold `History` (docs/reliability.md).

Random histories of a few EVSEs are built with updates at whole seconds, strictly increasing
(no late updates) and received as they happen less than 300 s apart (no gaps). Each EVSE's
status in the second `[s, s + 1)` is then that of its last update at or before `s`, for every
second from its first update to the default window's end, the newest update of any EVSE.
Flapping and staleness are not sampled; `afirev` (its 24 h grace) is left out.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import pytest

from evtui.model.reliability import RULES, History
from evtui.model.reliability.figures import EvseFigures

T0 = 1_795_600_800
STATUSES = (
    "AVAILABLE", "CHARGING", "RESERVED", "BLOCKED", "OUT_OF_ORDER", "INOPERATIVE", "UNKNOWN"
)  # fmt: skip
WORKING = {"AVAILABLE", "CHARGING", "RESERVED", "BLOCKED"}
Update = tuple[str, str, str, int]  # location, evse, status, at


def down(rules: str, status: str) -> bool:
    """The table of docs/reliability.md: `uk` downs two statuses, `nevi` all but working."""
    if rules == "uk":
        return status in {"OUT_OF_ORDER", "INOPERATIVE"}
    return status not in WORKING


def history(seed: int) -> list[Update]:
    """Updates of 2-4 EVSEs at 1-2 locations, 1 to 120 s apart across the whole history."""
    rng = random.Random(seed)
    evses = [(f"L{rng.randint(1, 2)}", f"E{i}") for i in range(rng.randint(2, 4))]
    at, updates = T0, []
    for _ in range(rng.randint(5, 60)):
        location, evse = rng.choice(evses)
        updates.append((location, evse, rng.choice(STATUSES), at))
        at += rng.randint(1, 120)
    return updates


@dataclass
class Sampled:
    observed_s: int = 0
    up_s: int = 0
    down_s: int = 0
    working_s: int = 0
    charging_s: int = 0
    outages: int = 0
    longest_outage_s: int = 0
    ongoing: bool = False
    status: str = ""


def sample(updates: list[Update], rules: str) -> dict[str, Sampled]:
    """Each EVSE's figures, second by second over `[its first update, window end)`."""
    end = max(at for *_, at in updates)
    by_evse: dict[str, dict[int, str]] = {}
    for _, evse, status, at in updates:
        by_evse.setdefault(evse, {})[at] = status
    out: dict[str, Sampled] = {}
    for evse, changes in by_evse.items():
        f = out[evse] = Sampled()
        status, run = "", 0
        for s in range(min(changes), end):
            status = changes.get(s, status)
            f.observed_s += 1
            f.working_s += status in WORKING
            f.charging_s += status == "CHARGING"
            if down(rules, status):
                f.down_s += 1
                run += 1
                f.outages += run == 1
                f.longest_outage_s = max(f.longest_outage_s, run)
            else:
                f.up_s += 1
                run = 0
        # The status holding at `end` is the update there, if any: down there with a run
        # still going on, the outage is ongoing (an update at `end` that is up ends it; one
        # that turns down there holds no time, so starts no outage).
        f.status = changes.get(end, status)
        f.ongoing = run > 0 and down(rules, f.status)
    return out


def by_history(updates: list[Update], rules: str) -> dict[str, EvseFigures]:
    history = History(RULES[rules])
    for location, evse, status, at in updates:
        history.received(at)
        history.update(location, evse, status, at)
    result = history.finish()
    assert (result.start, result.end) == (updates[0][3], updates[-1][3])
    assert result.gaps == []
    return {f.evse: f for f in result.evses}


def pct(part: int, whole: int) -> float | None:
    return 100.0 * part / whole if whole else None


@pytest.mark.parametrize("rules", ["uk", "nevi"])
@pytest.mark.parametrize("seed", range(30))
def test_the_fold_agrees_with_sampling_each_second(seed: int, rules: str) -> None:
    updates = history(seed)
    folded, sampled = by_history(updates, rules), sample(updates, rules)
    assert set(folded) == set(sampled)
    for evse, s in sampled.items():
        f = folded[evse]
        for name in ("observed_s", "up_s", "down_s", "working_s", "charging_s"):
            assert getattr(f, name) == pytest.approx(getattr(s, name), abs=1e-6), (evse, name)
        assert f.longest_outage_s == pytest.approx(s.longest_outage_s, abs=1e-6), evse
        assert (f.outages, f.ongoing, f.status) == (s.outages, s.ongoing, s.status), evse
        for got, want in (
            (f.uptime_pct, pct(s.up_s, s.observed_s)),
            (f.utilisation_pct, pct(s.charging_s, s.working_s)),
        ):
            assert got == (None if want is None else pytest.approx(want, abs=1e-6)), evse
