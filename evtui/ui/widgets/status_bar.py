"""The line at the top: where data comes from, the connection, rate, lag and rejections."""

from __future__ import annotations

import time
from datetime import timedelta

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from evtui.here.events import ConnectionState, ConnectionStatus
from evtui.safetext import cell_width, safe_text, shorten
from evtui.ui.theme import ago
from evtui.units import size_text

_STATE_STYLES = {
    ConnectionStatus.CONNECTING: "yellow",
    ConnectionStatus.SUBSCRIBED: "green",
    ConnectionStatus.WAITING: "yellow",
    ConnectionStatus.ERROR: "bold red",
    ConnectionStatus.CLOSED: "grey62",
}


RATE_CELLS = 6
"""Cells kept for the rate ("99,999"), whatever it is now."""


class StatusBar(Static):
    """Source, connection state, messages per second, lag and rejected count."""

    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; padding: 0 1; }
    """

    source_label: reactive[str] = reactive("")
    connection: reactive[ConnectionState] = reactive(ConnectionState(ConnectionStatus.CONNECTING))
    rate: reactive[float] = reactive(0.0)
    lag: reactive[timedelta | None] = reactive(None)
    """Now minus the newest `last_updated` seen (`StateStore.newest`); None before the first."""
    rejected: reactive[int] = reactive(0)
    watched: reactive[int] = reactive(0)
    recording: reactive[tuple[int, int] | None] = reactive(None)
    """(messages, bytes) written while recording; None when not recording."""
    directory: reactive[str | None] = reactive(None)
    """Why the directory cannot be asked ("directory not available (HTTP 403: …)"), if so."""
    mode: reactive[str | None] = reactive(None)
    """Shown instead of the connection state (a replay has no connection)."""

    rejected_key = "x"
    """The key that lists rejected messages, named beside their count."""

    def render(self) -> Text:
        state = self.connection
        figures = Text(no_wrap=True)
        if self.recording is not None:
            messages, size = self.recording
            figures.append("  ● REC", style="bold red")
            figures.append(f" {messages:,} · {size_text(size)}")
        rate = f"{self.rate:,.0f}"
        figures.append(f"  {rate} msg/s")
        figures.append("  lag ")
        figures.append(ago(self.lag) if self.lag is not None else "-")
        figures.append("  rejected ")
        figures.append(f"{self.rejected:,}", style="bold red" if self.rejected else "")
        if self.rejected:
            figures.append(f" ({self.rejected_key})", style="dim")
        figures.append(f"  ★ {self.watched}", style="yellow" if self.watched else "dim")
        # The figures always fit; the source and the state share what is left of the line,
        # the state taking most of it when it says something is wrong.
        room = max(8, self.content_size.width - figures.cell_len)
        # The source's share is taken as if the rate had RATE_CELLS: where it is cut must not
        # move as the rate goes from 9 to 10 to 1,000 messages a second.
        steady = max(8, room - max(0, RATE_CELLS - len(rate)))
        trouble = self.mode is None and state.status in (
            ConnectionStatus.WAITING,
            ConnectionStatus.ERROR,
        )
        # Wall time, as the state's own: a wait counts down whatever the app's clock.
        full = safe_text(state.describe(time.time()))
        whole = safe_text(self.source_label)
        if self.mode is None and not trouble and cell_width(whole) + 2 + cell_width(full) > steady:
            # Short of room while all is well: the state in a word ("subscribed"), so that
            # the source keeps its words whole rather than both being cut mid-word.
            full = str(state.status)
            source_room = max(4, min(60, steady - cell_width(full) - 2))
        elif trouble:
            source_room = max(4, min(20, steady // 4))
        else:
            source_room = max(4, min(60, steady // 2))
        source = safe_text(self.source_label, source_room)
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(source, style="bold")
        text.append("  ")
        state_room = max(4, room - cell_width(source) - 2)
        if self.mode is not None:
            text.append(safe_text(self.mode, state_room), style="bold")
        else:
            described = shorten(full, state_room, keep_tail=False)
            text.append(described, style=_STATE_STYLES[state.status])
            state_room -= cell_width(described)
        if self.directory and state_room > 12:
            note = shorten(safe_text(self.directory), state_room - 3, keep_tail=False)
            text.append(" · ", style="dim")
            text.append(note, style="yellow")
        text.append_text(figures)
        return text
