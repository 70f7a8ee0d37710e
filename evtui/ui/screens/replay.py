"""The main screen while a session is replayed: the monitor plus the replay line and keys."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType

from evtui.ui.screens.monitor import MonitorScreen
from evtui.ui.widgets.replay_bar import ReplayBar


class ReplayScreen(MonitorScreen):
    """Same panels as live; the keys drive the replay (the app carries the actions out)."""

    # Priority: seeking must work whichever panel has focus (the watchlist table wants
    # left/right too).
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "app.play_pause", "Play/pause", id="play_pause"),
        Binding("full_stop", "app.step", "Step", show=False, id="step"),
        Binding("plus,equals_sign", "app.speed(1)", "Faster", key_display="+", id="faster"),
        Binding("minus", "app.speed(-1)", "Slower", key_display="-", id="slower"),
        Binding("left", "app.seek(-10)", "-10 s", show=False, priority=True, id="back"),
        Binding("right", "app.seek(10)", "+10 s", show=False, priority=True, id="forward"),
        Binding("shift+left", "app.seek(-60)", "-1 min", show=False, priority=True, id="back_more"),
        Binding(
            "shift+right", "app.seek(60)", "+1 min", show=False, priority=True, id="forward_more"
        ),
        Binding("g", "app.goto", "Go to", id="goto"),
        Binding("left_square_bracket", "app.marker(-1)", "Prev mark", show=False, id="prev_mark"),
        Binding("right_square_bracket", "app.marker(1)", "Next mark", show=False, id="next_mark"),
    ]

    def compose_controls(self) -> ComposeResult:
        yield ReplayBar(id="replay-bar")
