"""The line at the top: where data comes from, the connection, and the message rate."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from evtui.here.events import ConnectionState, ConnectionStatus
from evtui.safetext import safe_text

_STATE_STYLES = {
    ConnectionStatus.CONNECTING: "yellow",
    ConnectionStatus.SUBSCRIBED: "green",
    ConnectionStatus.WAITING: "yellow",
    ConnectionStatus.ERROR: "bold red",
    ConnectionStatus.CLOSED: "grey62",
}


class StatusBar(Static):
    """Source, connection state, messages per second and rejected count."""

    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; padding: 0 1; }
    """

    source_label: reactive[str] = reactive("")
    connection: reactive[ConnectionState] = reactive(ConnectionState(ConnectionStatus.CONNECTING))
    rate: reactive[float] = reactive(0.0)
    rejected: reactive[int] = reactive(0)

    def render(self) -> Text:
        state = self.connection
        text = Text()
        text.append(safe_text(self.source_label, 60), style="bold")
        text.append("  ")
        text.append(safe_text(state.describe(), 80), style=_STATE_STYLES[state.status])
        text.append(f"  {self.rate:,.0f} msg/s")
        text.append("  rejected ")
        text.append(f"{self.rejected:,}", style="bold red" if self.rejected else "")
        return text
