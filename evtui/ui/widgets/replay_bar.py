"""The replay line: play state and speed, a progress bar with markers, session time, position."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import ClassVar

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from evtui.ui.theme import local_time
from evtui.units import duration_text


@dataclass(frozen=True)
class Playback:
    """What the replay line shows; the app hands down a new one as the replay moves."""

    start: float = 0.0
    end: float = 0.0
    clock: float = 0.0
    position: int = 0
    total: int = 0
    speed: float | None = 1.0
    """None: as fast as possible."""
    paused: bool = False
    markers: Sequence[float] = field(default_factory=tuple)
    """Times of the session's markers."""

    @property
    def fraction(self) -> float:
        span = self.end - self.start
        if span <= 0:
            return 1.0 if self.total and self.position >= self.total else 0.0
        return min(1.0, max(0.0, (self.clock - self.start) / span))

    @property
    def at_end(self) -> bool:
        return self.position >= self.total


_STATE = cell_len("▶ playing ")
"""Cells of the longest state word, and a space."""


def speed_text(speed: float | None) -> str:
    """`4x`, `0.25x`, or `max`."""
    return "max" if speed is None else f"{speed:g}x"


class ReplayBar(Static):
    """One line under the panels while a session is replayed."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"replay-bar--played"}
    DEFAULT_CSS = """
    ReplayBar { height: 1; background: $panel; padding: 0 1; }
    ReplayBar > .replay-bar--played { color: $accent; text-style: bold; }
    """

    playback: reactive[Playback] = reactive(Playback, layout=False)

    def render(self) -> Text:
        p = self.playback
        # Every part but the bar keeps its width as the replay moves (the state's word, the
        # time played, the position), so that the bar and its markers stand still.
        text = Text(no_wrap=True, overflow="ellipsis")
        if p.at_end:
            state, style = "■ end", "bold grey62"
        elif p.paused:
            state, style = "⏸ paused", "bold yellow"
        else:
            state, style = "▶ playing", "bold green"
        text.append(state + " " * (_STATE - cell_len(state)), style=style)
        text.append(f"{speed_text(p.speed):>5}", style="bold")
        right = Text(no_wrap=True)
        when = local_time(datetime.fromtimestamp(p.clock, UTC))
        right.append(f"  {when:%Y-%m-%d %H:%M:%S}")
        length = duration_text(p.end - p.start)
        right.append(f"  {duration_text(p.clock - p.start):>{len(length)}}/{length}")
        total = f"{p.total:,}"
        right.append(f"  msg {p.position:>{len(total)},}/{total}", style="dim")
        room = self.content_size.width - text.cell_len - right.cell_len - 2
        if room >= 10:
            text.append("  ")
            played = self.get_component_rich_style("replay-bar--played")
            text.append_text(self._bar(p, room, played))
        text.append_text(right)
        return text

    @staticmethod
    def _bar(p: Playback, width: int, played: Style) -> Text:
        cells = ["─"] * width
        done = round(p.fraction * width)
        for i in range(done):
            cells[i] = "━"
        span = p.end - p.start
        ticks = set()
        if span > 0:
            for at in p.markers:
                ticks.add(min(width - 1, max(0, int((at - p.start) / span * width))))
        bar = Text(no_wrap=True)
        for i, cell in enumerate(cells):
            if i in ticks:
                bar.append("◆", style="bold yellow")
            else:
                bar.append(cell, style=played if i < done else "dim")
        return bar
