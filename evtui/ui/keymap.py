"""Every key evtui defines, grouped by where it works, and the keys the settings put instead.

The help screen, the hints in notifications and the settings' `[keys]` overrides all read
the bindings from here, so they cannot disagree about which key does what.
"""

from __future__ import annotations

from collections.abc import Mapping

from textual.binding import Binding

from evtui.ui.screens.location import LocationScreen
from evtui.ui.screens.map import MapScreen
from evtui.ui.screens.monitor import MonitorScreen
from evtui.ui.screens.rejected import RejectedScreen
from evtui.ui.screens.reliability import ReliabilityScreen
from evtui.ui.screens.replay import ReplayScreen
from evtui.ui.screens.sessions import SessionsScreen, SessionTable
from evtui.ui.widgets.event_log import EventLog
from evtui.ui.widgets.watchlist_panel import WatchlistTable

__all__ = ["KeyBindings"]

MAIN_SECTIONS = frozenset({"Everywhere", "Main screen", "Event log", "Replay"})
"""Sections whose keys all work at once on the main screen: one key cannot serve two."""


def _bindings(owner: type[object]) -> list[Binding]:
    declared = getattr(owner, "BINDINGS", [])
    return [b for b in declared if isinstance(b, Binding)]


def _binding_sections(app: type[object]) -> list[tuple[str, list[Binding]]]:
    """Every key evtui defines, grouped by where it works; `app` holds the global ones."""
    return [
        ("Everywhere", _bindings(app)),
        ("Main screen", _bindings(MonitorScreen)),
        ("Event log", _bindings(EventLog)),
        ("Replay", _bindings(ReplayScreen)),
        ("Watchlist panel", _bindings(WatchlistTable)),
        ("Location screen", _bindings(LocationScreen)),
        ("Rejected messages", _bindings(RejectedScreen)),
        ("Reliability", _bindings(ReliabilityScreen)),
        ("Map", _bindings(MapScreen)),
        ("Sessions", _bindings(SessionTable) + _bindings(SessionsScreen)),
        ("Palette", [Binding("ctrl+p", "command_palette", "Command palette", id="palette")]),
    ]


class KeyBindings:
    """The bindings of `app` and its screens, with the settings' key overrides applied."""

    def __init__(self, app: type[object], overrides: Mapping[str, str]) -> None:
        self._app = app
        self.warnings: list[str] = []
        """What was wrong with the overrides, for the user to read once the app is up."""
        self.keymap: dict[str, str] = {}
        """Key overrides from the settings that name a real binding id."""
        self._read_keymap(overrides)

    def sections(self) -> list[tuple[str, list[Binding]]]:
        """Every key evtui defines, grouped by where it works, for the help screen."""
        return _binding_sections(self._app)

    def keys_of(self, binding: Binding) -> list[str]:
        """The keys that trigger `binding` now, after the settings' overrides."""
        keys = self.keymap.get(binding.id or "", binding.key)
        return [key.strip() for key in keys.split(",")]

    def binding(self, binding_id: str) -> Binding:
        return next(b for _, bindings in self.sections() for b in bindings if b.id == binding_id)

    def first_key(self, binding_id: str) -> str:
        """The key to name in a hint: the first of those that trigger `binding_id`."""
        return self.keys_of(self.binding(binding_id))[0]

    def _read_keymap(self, overrides: Mapping[str, str]) -> None:
        """Keep the overrides that name a real binding; warnings for the rest."""
        known_ids = {b.id for _, bindings in self.sections() for b in bindings if b.id}
        keymap: dict[str, str] = {}
        for binding_id, keys in overrides.items():
            if binding_id in known_ids:
                keymap[binding_id] = keys
            else:
                self.warnings.append(
                    f"settings: keys.{binding_id}: no such binding id (see the help screen, ?)"
                )
        # `keys_of` must see the overrides already to find two bindings on one key.
        self.keymap = keymap
        # Keys of the main screen: the app's, the screen's, the log's and the replay's share it.
        owners: dict[str, str] = {}
        for _, bindings in (s for s in self.sections() if s[0] in MAIN_SECTIONS):
            for binding in bindings:
                for key in self.keys_of(binding):
                    other = owners.setdefault(key, binding.id or "")
                    if other != binding.id and (binding.id in keymap or other in keymap):
                        self.warnings.append(
                            f"settings: key {key!r} is bound to both {other} and {binding.id}; "
                            f"only one of them will work"
                        )
