"""The reliability figures of a continent: computing the reliability screen's rows and the
main screen's network summary for 1,000,000 EVSEs at 200,000 locations.

    .venv/bin/python benchmarks/bench_reliability.py [--quick] [--json FILE]

The state is bench_memory's (every EVSE with two statuses, so each has figures), built by
the real apply path with the reliability accumulators on. Timed: `board()` (every location's
figures read from the accumulators' columns, sorted worst first: what the screen computes
when it opens) and `network_figures()` (the summary). The target of opening the screen
(200 ms) includes filling its table, which `board()` comes before.
"""

from __future__ import annotations

import time

from _harness import Figure, arguments, report
from bench_memory import feed, messages

from evtui.model import MonitorState
from evtui.model.places import Places
from evtui.model.reliability_board import board
from evtui.runtime import tune


def timed(run: object, times: int = 3) -> float:
    best = float("inf")
    for _ in range(times):
        started = time.perf_counter()
        run()  # type: ignore[operator]
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    args = arguments(__doc__).parse_args()
    tune()
    locations = 20_000 if args.quick else 200_000
    state = MonitorState()
    feed(state, messages(locations, 5, 0))
    feed(state, messages(locations, 5, 1))
    places = Places(lambda _: "")
    rows = timed(lambda: board(state, places))
    summary = timed(state.network_figures)
    evses = state.store.evse_count
    report(
        "bench_reliability",
        [
            Figure(f"reliability rows, {locations:,} locations", rows * 1000, "ms",
                   "< 200 ms (the screen opening)", rows < 0.2, note=f"{evses:,} EVSEs"),
            Figure(f"network summary, {evses:,} EVSEs", summary * 1000, "ms", "-", None,
                   note="every 2 s at most, or 10x its own time"),
        ],
        args.json,
    )


if __name__ == "__main__":
    main()
