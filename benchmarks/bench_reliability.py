"""The reliability figures of a continent: computing the reliability screen's rows and the
main screen's network summary for 1,000,000 EVSEs at 200,000 locations.

    .venv/bin/python benchmarks/bench_reliability.py [--quick] [--json FILE]

The state is bench_memory's (every EVSE with two statuses, so each has figures), built by
the real apply path with the reliability accumulators on. Timed, each the best of three:
opening the reliability screen in a headless Textual app (from pushing the screen to the
first frame the app draws of it: every location's figures read from the
accumulators' columns, sorted worst first, the rows in view drawn); `board()` alone (the
figures and the order, no Textual); `network_figures()` (the main screen's summary).
"""

from __future__ import annotations

import asyncio
import time

from _harness import Figure, arguments, report
from bench_memory import feed, messages
from rich.console import RenderableType
from textual._compositor import CompositorUpdate
from textual.app import App
from textual.screen import Screen

from evtui.model import MonitorState
from evtui.model.places import Places
from evtui.model.reliability_board import board
from evtui.runtime import tune
from evtui.ui.screens.reliability import ReliabilityScreen
from evtui.ui.widgets.figures_table import FiguresTable


def timed(run: object, times: int = 3) -> float:
    best = float("inf")
    for _ in range(times):
        started = time.perf_counter()
        run()  # type: ignore[operator]
        best = min(best, time.perf_counter() - started)
    return best


class _Host(App[None]):
    """An app that stamps the first frame it draws of each reliability screen."""

    drawn: dict[int, float]
    frame: asyncio.Event

    def _display(self, screen: Screen[object], renderable: RenderableType | None) -> None:
        super()._display(screen, renderable)
        if isinstance(screen, ReliabilityScreen) and isinstance(renderable, CompositorUpdate):
            self.drawn.setdefault(id(screen), time.perf_counter())
            self.frame.set()


async def open_screen(state: MonitorState, places: Places, times: int = 3) -> float:
    """Seconds from pushing the screen to its first frame (its table drawn with the rows)."""
    app = _Host()
    app.drawn, app.frame = {}, asyncio.Event()
    best = float("inf")
    async with app.run_test(size=(160, 48)) as pilot:
        for _ in range(times):
            app.frame.clear()
            started = time.perf_counter()
            screen = ReliabilityScreen(lambda: state, places)
            await app.push_screen(screen)
            await app.frame.wait()
            assert screen.query_one(FiguresTable).row_count == len(state.store.locations)
            best = min(best, app.drawn[id(screen)] - started)
            app.pop_screen()
            await pilot.pause()
    return best


def main() -> None:
    args = arguments(__doc__).parse_args()
    tune()
    locations = 20_000 if args.quick else 200_000
    state = MonitorState()
    feed(state, messages(locations, 5, 0))
    feed(state, messages(locations, 5, 1))
    places = Places(lambda _: "")
    opening = asyncio.run(open_screen(state, places))
    rows = timed(lambda: board(state, places))
    summary = timed(state.network_figures)
    evses = state.store.evse_count
    report(
        "bench_reliability",
        [
            Figure(f"reliability screen opens, {locations:,} locations", opening * 1000, "ms",
                   "< 200 ms", opening < 0.2, note=f"{evses:,} EVSEs"),
            Figure(f"reliability rows (board), {locations:,} locations", rows * 1000, "ms",
                   "-", None, note="no Textual"),
            Figure(f"network summary, {evses:,} EVSEs", summary * 1000, "ms", "-", None,
                   note="every 2 s at most, or 10x its own time"),
        ],
        args.json,
    )


if __name__ == "__main__":
    main()
