"""The network in four figures, under the rate graph: uptime under the rule set, EVSEs down
now, the longest outage going on, and how many EVSEs flap."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from evtui.model.reliability.scan import NetworkFigures

__all__ = ["NetworkSummary"]


def _duration(seconds: float) -> str:
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def _lines(figures: NetworkFigures | None) -> int:
    return 1 if figures is None or not figures.evses else 4


class NetworkSummary(Static):
    """Set `figures`, `rules` and `longest_name`; the widget renders them."""

    DEFAULT_CSS = """
    NetworkSummary {
        border: round $primary-background; border-title-color: $text-muted;
        height: auto; padding: 0 1;
        text-wrap: nowrap; text-overflow: ellipsis;
    }
    """

    figures: reactive[NetworkFigures | None] = reactive(None)
    rules: reactive[str] = reactive("UK PCPR 2023")
    longest_name: reactive[str] = reactive("")
    """Where the longest outage going on is (a display name, made safe by the app)."""

    def on_mount(self) -> None:
        self.border_title = "network reliability"

    def watch_figures(self, old: NetworkFigures | None, new: NetworkFigures | None) -> None:
        # Four lines once there are EVSEs, one before: only then does the screen's layout
        # change (laying it out again takes 10-20 ms, at every repaint it would delay keys).
        if _lines(old) != _lines(new):
            self.refresh(layout=True)

    def watch_rules(self, rules: str) -> None:
        self.border_subtitle = rules

    def render(self) -> Text:
        figures = self.figures
        text = Text()
        if figures is None or not figures.evses:
            text.append("no EVSE yet", style="dim")
            return text
        uptime = figures.uptime_pct
        text.append("uptime      ", style="dim")
        if uptime is None:
            text.append("-")
        else:
            text.append(f"{uptime:.2f}%", style="bold red" if uptime < 97 else "bold green")
        text.append(f"  of {figures.evses:,} EVSEs\n", style="dim")
        text.append("down now    ", style="dim")
        text.append(f"{figures.down_now:,}", style="bold red" if figures.down_now else "")
        text.append("\nlongest     ", style="dim")
        if figures.longest_row is None:
            text.append("no outage going on", style="dim")
        else:
            text.append(_duration(figures.longest_open), style="bold")
            if self.longest_name:
                text.append(f"  {self.longest_name}")
        text.append("\nflapping    ", style="dim")
        text.append(f"{figures.flapping:,}", style="bold yellow" if figures.flapping else "")
        text.append(" EVSEs  (u for more)", style="dim")
        return text
