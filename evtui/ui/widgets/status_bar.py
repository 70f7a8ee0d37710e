"""The line at the top: where data comes from, the connection, rate, lag and rejections."""

from __future__ import annotations

from datetime import timedelta

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from evtui.here.events import ConnectionState, ConnectionStatus
from evtui.safetext import safe_text
from evtui.ui.theme import ago

_STATE_STYLES = {
    ConnectionStatus.CONNECTING: "yellow",
    ConnectionStatus.SUBSCRIBED: "green",
    ConnectionStatus.WAITING: "yellow",
    ConnectionStatus.ERROR: "bold red",
    ConnectionStatus.CLOSED: "grey62",
}


class StatusBar(Static):
    """Source, connection state, messages per second, lag and rejected count."""

    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; padding: 0 1; }
    """

    source_label: reactive[str] = reactive("")
    connection: reactive[ConnectionState] = reactive(ConnectionState(ConnectionStatus.CONNECTING))
    rate: reactive[float] = reactive(0.0)
    lag: reactive[timedelta | None] = reactive(None)
    """Now minus the newest `last_updated` seen; None before the first update."""
    rejected: reactive[int] = reactive(0)

    def render(self) -> Text:
        state = self.connection
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(safe_text(self.source_label, 60), style="bold")
        text.append("  ")
        text.append(safe_text(state.describe(), 80), style=_STATE_STYLES[state.status])
        text.append(f"  {self.rate:,.0f} msg/s")
        text.append("  lag ")
        text.append(ago(self.lag) if self.lag is not None else "-")
        text.append("  rejected ")
        text.append(f"{self.rejected:,}", style="bold red" if self.rejected else "")
        if self.rejected:
            text.append(" (r)", style="dim")
        return text
