"""The help screen, generated from the bindings so it always tells the truth."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from evtui.model import DOWN_STATUSES, KNOWN_STATUSES
from evtui.settings import Settings
from evtui.ui.frame_clock import TimelyFrames
from evtui.ui.theme import status_style


class HelpScreen(TimelyFrames, ModalScreen[None]):
    """Keys by screen (with their binding ids, for the settings file), colours and files."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close", id="help_close"),
    ]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    /* Between the status line and the footer: no sliver of the screen beneath shows. */
    HelpScreen > VerticalScroll {
        width: 96; max-width: 100%; height: 1fr; margin: 1 0;
        border: round $primary; background: $surface; padding: 0 1;
    }
    """

    def __init__(
        self,
        sections: Sequence[tuple[str, Sequence[Binding]]],
        keys_of: Callable[[Binding], list[str]],
        files: Mapping[str, str],
        settings: Settings,
    ) -> None:
        super().__init__()
        self._sections = sections
        self._keys_of = keys_of
        self._files = files
        self._settings = settings

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = "evtui help · escape to close"
            yield Static(self._keys())
            yield Static(self._legend())

    def _keys(self) -> Table:
        table = Table(box=None, padding=(0, 2), show_header=True, expand=True)
        table.add_column("key", style="bold", no_wrap=True)
        table.add_column("does")
        table.add_column(Text("binding id ([keys] in settings)"), style="dim", no_wrap=True)
        for title, bindings in self._sections:
            table.add_row(Text(title, style="bold underline"))
            for binding in bindings:
                shown = ", ".join(
                    self.app.get_key_display(Binding(key, binding.action))
                    for key in self._keys_of(binding)
                )
                # (A tooltip says more than the footer's word, where the word is shared.)
                does = binding.tooltip or binding.description
                table.add_row(Text(shown), Text(does), Text(binding.id or ""))
            table.add_row()
        return table

    def _legend(self) -> Text:
        text = Text()
        text.append("Statuses  ", style="bold")
        for status in KNOWN_STATUSES:
            text.append(status, style=status_style(status))
            text.append("  ")
        text.append("\n\n")
        text.append_text(_about(self._settings))
        text.append("\n\n")
        text.append("Files\n", style="bold")
        for name, path in self._files.items():
            text.append(f"  {name}: ")
            text.append(path + "\n", style="bold")
        return text


def _about(settings: Settings) -> Text:
    """What the log, the filter and the alerts do, under these settings."""
    down = ", ".join(sorted(DOWN_STATUSES))
    flapping = (
        ", and when one starts flapping (changing between up and down; flapping_alerts)"
        if settings.flapping_alerts
        else "; flapping alerts are off (flapping_alerts)"
    )
    return Text(
        "The log shows one row per EVSE status change: time (last_updated), location (your "
        "label, else the directory's name, else a short id), EVSE, old → new.\n"
        "Filter with /: words match location or EVSE ids, labels and names; "
        "status:charging,available (or a status name alone) keeps changes into those "
        "statuses; operator:ionity and city:berlin match part of the name; country:de "
        "(alpha-2 or alpha-3); kw:>=150 keeps locations with a connector of 150 kW or more "
        "(also >, <, <=, =). Terms combine; an empty filter shows everything.\n"
        "Watched locations notify when an EVSE is AVAILABLE again, when every EVSE is down "
        f"({down}), when an EVSE has been down longer than "
        f"{settings.outage_alert_minutes:g} min (outage_alert_minutes){flapping}."
    )
