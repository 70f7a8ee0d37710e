"""The frame clock: a frame asked for after a pause comes at the next slot, not the one after."""

from __future__ import annotations

import asyncio
import math
import time
from pathlib import Path

import pytest
from textual.app import App

from evtui.ui.frame_clock import FrameClock, next_slot
from tests.ui.test_app import file_app, loaded


@pytest.mark.parametrize(
    ("start", "interval", "now", "slot"),
    [
        (0.0, 10.0, 35.0, 4),  # between slots 3 and 4: slot 4 at 40 (Textual's Timer: 50)
        (0.0, 10.0, 40.0, 5),  # on a slot: the next one
        (0.0, 10.0, 3.0, 1),
        (0.0, 10.0, -1.0, 1),  # never slot 0, the start itself
        (100.0, 0.5, 101.2, 3),
    ],
)
def test_next_slot_by_hand(start: float, interval: float, now: float, slot: int) -> None:
    assert next_slot(start, interval, now) == slot


def test_next_slot_is_the_first_slot_after_now() -> None:
    interval = 1 / 60
    for i in range(2000):
        now = i * 0.00731
        n = next_slot(0.0, interval, now)
        # A second computation: count the slots up to now one by one.
        first = 1
        while first * interval <= now:
            first += 1
        assert n == first
        assert n * interval > now and (n - 1 == 0 or (n - 1) * interval <= now)


class Clocked(App[None]):
    """An app with one frame clock that pauses itself on every tick, as a screen's does."""

    INTERVAL = 0.4

    def __init__(self) -> None:
        super().__init__()
        self.ticks: list[float] = []
        self.ticked = asyncio.Event()

    def on_mount(self) -> None:
        self.clock = FrameClock(self, self.INTERVAL, callback=self.tick, pause=True)
        self.clock._start()

    def tick(self) -> None:
        self.ticks.append(time.monotonic())
        self.clock.pause()
        self.ticked.set()

    async def frame(self) -> None:
        """Ask for a frame and wait until it is drawn."""
        self.ticked.clear()
        self.clock.resume()
        await asyncio.wait_for(self.ticked.wait(), 5)


async def test_a_frame_asked_for_after_a_pause_comes_at_the_next_slot() -> None:
    app = Clocked()
    interval = Clocked.INTERVAL
    async with app.run_test():
        await app.frame()  # the first frame after a quiet stretch: at once
        await asyncio.sleep(2.5 * interval)  # quiet for two and a half slots
        await app.frame()
        await app.frame()  # asked for just after the last frame: at the next slot
        app.clock.stop()
    _, second, third = (t - app.ticks[0] for t in app.ticks)
    # Asked for after the quiet stretch: drawn at once, past slot 2 (the sleep may overrun).
    assert second > 2 * interval
    # Then asked for at once: drawn at the next slot (3 for a sleep that ran to time, 3.5
    # slots in); Textual's own Timer skips to the one after it.
    slot = next_slot(0.0, interval, second)
    assert math.floor(third / interval + 0.5) == slot


async def test_the_monitor_and_its_screens_draw_on_the_frame_clock(tmp_path: Path) -> None:
    app = file_app(tmp_path)
    async with app.run_test(size=(160, 40)) as pilot:
        await loaded(pilot)
        screens = [type(app.screen).__name__]
        drawn_by = [type(app.screen._update_timer)]
        for key in ("question_mark", "M"):  # help, then the map (over the monitor)
            await pilot.press(key)
            await pilot.pause()
            screens.append(type(app.screen).__name__)
            drawn_by.append(type(app.screen._update_timer))
            await pilot.press("escape")
            await pilot.pause()
    assert screens == ["MonitorScreen", "HelpScreen", "MapScreen"]
    assert drawn_by == [FrameClock] * 3
