"""When a screen draws the frame a key asked for: at the next of its frame slots.

Textual draws a screen's changes on a timer of 60 slots a second that sleeps while nothing
changes. Its `Timer` (8.2), once behind its slots, skips to the slot after the next one: a
frame asked for just after the last one waited 17-33 ms, not 0-17. In the monitor, where the
feed has a frame drawn every few slots, that wait set the keypress p95 (bench_app.py: p95
34-37 ms against 18-30 ms with this clock, 2026-12-06). Screens that mix in `TimelyFrames`
draw on a `FrameClock`, which keeps Textual's timer but for that arithmetic.
"""

from __future__ import annotations

import math

from textual import _time
from textual.screen import UPDATE_PERIOD, Screen
from textual.timer import EventTargetGone, Timer

__all__ = ["FrameClock", "TimelyFrames", "next_slot"]


def next_slot(start: float, interval: float, now: float) -> int:
    """The number of the first slot (`start + n * interval`, n >= 1) after `now`."""
    return max(1, math.floor((now - start) / interval) + 1)


class FrameClock(Timer):
    """Textual's `Timer` (repeating, skipping the slots it is too late for), whose tick
    after falling behind comes at the next slot."""

    async def _run(self) -> None:
        # Textual's Timer._run, but for the slot it skips to.
        count = 0
        self._active  # noqa: B018 (made in this task's loop, as Textual's own does)
        await self._active.wait()
        start = _time.get_time()
        while self._repeat is None or count <= self._repeat:
            due = start + (count + 1) * self._interval
            now = _time.get_time()
            if self._skip and due < now:
                count = next_slot(start, self._interval, now) - 1
                continue  # (a repeat count may be reached)
            await _time.sleep(max(0.0, due - now))
            count += 1
            await self._active.wait()
            if self._reset:
                start = _time.get_time()
                count = 0
                self._reset = False
                continue
            try:
                await self._tick(next_timer=due, count=count)
            except EventTargetGone:
                break


class TimelyFrames:
    """Mixed into a `Screen`: its changes drawn by a `FrameClock`."""

    _frame_clock: FrameClock | None = None

    @property
    def _update_timer(self) -> Timer:
        # Textual's Screen makes this timer on first use in this property, under this name.
        clock = self._frame_clock
        if clock is None:
            assert isinstance(self, Screen)
            clock = FrameClock(
                self, UPDATE_PERIOD, name="screen_update", callback=self._on_timer_update,
                pause=True,
            )  # fmt: skip
            clock._start()
            self._timers.add(clock)
            self._frame_clock = clock
        return clock
