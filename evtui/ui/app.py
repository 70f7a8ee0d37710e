"""The monitor app: a stream worker feeds the domain model; widgets repaint from it on a timer."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.css.query import NoMatches
from textual.widgets import Sparkline

from evtui.here.errors import HereError
from evtui.here.events import ConnectionState, ConnectionStatus
from evtui.model import (
    KNOWN_STATUSES,
    Activity,
    Alert,
    AlertKind,
    AlertTracker,
    Batch,
    EventFilter,
    Rejection,
    StateStore,
    StatusChange,
)
from evtui.settings import Settings
from evtui.sources import Source
from evtui.ui.commands import EvtuiCommands
from evtui.ui.screens.help import HelpScreen
from evtui.ui.screens.location import LocationScreen
from evtui.ui.screens.monitor import SPARK_SECONDS, MonitorScreen
from evtui.ui.screens.prompt import PromptScreen
from evtui.ui.screens.rejected import RejectedScreen
from evtui.ui.theme import short_id
from evtui.ui.widgets.counters import StatusCounters
from evtui.ui.widgets.event_log import EventLog
from evtui.ui.widgets.status_bar import StatusBar
from evtui.ui.widgets.watchlist_panel import WatchlistPanel, WatchlistTable
from evtui.watchlist import Watchlist, WatchlistError, resolve_location_id

__all__ = ["EvtuiApp"]

QUIT_GRACE_SECONDS = 2.5
"""How long `q` waits for the source to commit and unsubscribe before leaving anyway."""
FLASH_SECONDS = 1.5
"""How long a watchlist row stays highlighted after its location changed."""
KEEP_REJECTIONS = 500
"""Rejected messages kept for the rejected-messages screen (all are counted)."""
MAX_ALERTS_PER_BATCH = 3
ALERT_COOLDOWN = 60.0
"""Seconds before the same alert for the same location is shown again: a busy location
must not bury the screen in toasts."""


class EvtuiApp(App[None]):
    """Live monitor of EV charge-point status updates from any `Source`.

    `clock` gives Unix time; tests freeze it so that pictures come out the same every run.
    """

    CSS_PATH = "evtui.tcss"
    TITLE = "evtui"
    COMMANDS = App.COMMANDS | {EvtuiCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="quit"),
        Binding("w", "toggle_watch", "Watch", id="toggle_watch"),
        Binding("a", "add_watch", "Add id", id="add_watch"),
        Binding("e", "edit_label", "Label", id="edit_label"),
        Binding("r", "show_rejected", "Rejected", id="show_rejected"),
        Binding("question_mark", "help", "Help", id="help"),
    ]

    def __init__(
        self,
        source: Source,
        *,
        settings: Settings | None = None,
        watchlist: Watchlist | None = None,
        warnings: Sequence[str] = (),
        settings_path: Path | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__()
        self.source = source
        self.settings = settings or Settings()
        self.watchlist = watchlist if watchlist is not None else Watchlist()
        self.clock = clock
        self.settings_path = settings_path
        """Where the settings came from, for the help screen."""
        self.store = StateStore(max_events=self.settings.event_log_size)
        self.activity = Activity()
        self.alerts = AlertTracker()
        self.rejections: deque[Rejection] = deque(maxlen=KEEP_REJECTIONS)
        self.rejected = 0
        self.connection = ConnectionState(ConnectionStatus.CONNECTING)
        """The source's latest connection state."""
        self.failure: str | None = None
        """Why the stream stopped for good, if it did; the CLI prints it after the app exits."""
        self._warnings = list(warnings)
        self._pending: list[StatusChange] = []
        self._flash: dict[str, float] = {}
        self._alerted: dict[tuple[str, AlertKind], float] = {}
        self._watch_dirty = True
        self._second = -1
        self.keymap: dict[str, str] = self._read_keymap()
        """Key overrides from the settings that name a real binding id."""

    # --- set-up --------------------------------------------------------------------------

    def get_default_screen(self) -> MonitorScreen:
        resume = [
            self.get_key_display(Binding(key, ""))
            for binding_id in ("pause", "log_follow")
            for key in self.keys_of(self._binding(binding_id))
        ]
        return MonitorScreen(
            max_rows=self.settings.event_log_size,
            labels=self.watchlist.label,
            source_label=self.source.label,
            resume_hint=" or ".join(resume),
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Watchlist keys make no sense over the rejected messages or the help.
        watch_keys = {"toggle_watch", "add_watch", "edit_label"}
        return not (action in watch_keys and isinstance(self.screen, RejectedScreen | HelpScreen))

    def action_help_quit(self) -> None:
        """ctrl+c quits, as people expect of a terminal program (Textual only explains)."""
        self.call_later(self.action_quit)

    def on_mount(self) -> None:
        self._apply_theme()
        self.set_keymap(self.keymap)
        for warning in self._warnings:
            self.notify(warning, title="evtui", severity="warning", timeout=15, markup=False)
        self.consume()
        # Repaint on a clock, never per message: the message rate must not drive the UI.
        self.set_interval(1 / self.settings.refresh_rate, self._repaint)
        self._repaint()

    def _apply_theme(self) -> None:
        theme = self.settings.theme
        if theme in self.available_themes:
            self.theme = theme
        else:
            known = ", ".join(sorted(self.available_themes))
            self._warnings.append(f"settings: no theme {theme!r}; known themes: {known}")

    def _read_keymap(self) -> dict[str, str]:
        """The settings' key overrides that name a real binding; warnings for the rest."""
        known_ids = {b.id for _, bindings in self.binding_sections() for b in bindings if b.id}
        keymap = {}
        for binding_id, keys in self.settings.keys.items():
            if binding_id in known_ids:
                keymap[binding_id] = keys
            else:
                self._warnings.append(
                    f"settings: keys.{binding_id}: no such binding id (see the help screen, ?)"
                )
        self.keymap = keymap
        # Keys of the main screen: the app's, the screen's and the event log's share it.
        owners: dict[str, str] = {}
        for _, bindings in self.binding_sections()[:3]:
            for binding in bindings:
                for key in self.keys_of(binding):
                    other = owners.setdefault(key, binding.id or "")
                    if other != binding.id and (binding.id in keymap or other in keymap):
                        self._warnings.append(
                            f"settings: key {key!r} is bound to both {other} and {binding.id}; "
                            f"only one of them will work"
                        )
        return keymap

    def keys_of(self, binding: Binding) -> list[str]:
        """The keys that trigger `binding` now, after the settings' overrides."""
        keys = self.keymap.get(binding.id or "", binding.key)
        return [key.strip() for key in keys.split(",")]

    def _binding(self, binding_id: str) -> Binding:
        return next(
            b for _, bindings in self.binding_sections() for b in bindings if b.id == binding_id
        )

    def binding_sections(self) -> list[tuple[str, list[Binding]]]:
        """Every key evtui defines, grouped by where it works, for the help screen."""

        def bindings(owner: type[object]) -> list[Binding]:
            declared = getattr(owner, "BINDINGS", [])
            return [b for b in declared if isinstance(b, Binding)]

        return [
            ("Everywhere", bindings(EvtuiApp)),
            ("Main screen", bindings(MonitorScreen)),
            ("Event log", bindings(EventLog)),
            ("Watchlist panel", bindings(WatchlistTable)),
            ("Location screen", bindings(LocationScreen)),
            ("Rejected messages", bindings(RejectedScreen)),
            ("Palette", [Binding("ctrl+p", "command_palette", "Command palette", id="palette")]),
        ]

    # --- the stream ----------------------------------------------------------------------

    @work(exclusive=True, group="stream", exit_on_error=False)
    async def consume(self) -> None:
        """Apply every batch the source yields to the store, then acknowledge it."""
        try:
            async with self.source:
                async for event in self.source:
                    if isinstance(event, ConnectionState):
                        self.connection = event
                        continue
                    self._apply(event)
                    self.source.ack(event)
        except (HereError, OSError) as exc:
            self.failure = str(exc)
            self.connection = ConnectionState(ConnectionStatus.ERROR, str(exc))

    def _apply(self, batch: Batch) -> None:
        result = self.store.apply(batch)
        now = self.clock()
        self.rejected += len(batch.rejected)
        self.rejections.extend(batch.rejected)
        self._pending.extend(result.changes)
        self.activity.record(now, len(batch), (c.new for c in result.changes))
        # The panel's ages move with the clock: repaint it after every batch, cheaply (its
        # cells are compared before they are written).
        self._watch_dirty = True
        for location_id in result.locations:
            if location_id in self.watchlist:
                self._flash[location_id] = now + FLASH_SECONDS
        self._notify_alerts(self.alerts.check(self.store, result, self.watchlist), now)

    def _notify_alerts(self, alerts: Sequence[Alert], now: float) -> None:
        fresh = []
        for alert in alerts:
            key = (alert.location_id, alert.kind)
            if self._alerted.get(key, -ALERT_COOLDOWN) + ALERT_COOLDOWN <= now:
                self._alerted[key] = now
                fresh.append(alert)
        alerts = fresh
        for alert in alerts[:MAX_ALERTS_PER_BATCH]:
            name = self.display_name(alert.location_id)
            if alert.kind is AlertKind.AVAILABLE_AGAIN:
                count = len(alert.evses)
                what = "an EVSE is" if count == 1 else f"{count} EVSEs are"
                self.notify(f"{name}: {what} AVAILABLE again", title="watchlist", markup=False)
            else:
                self.notify(
                    f"{name}: all {len(alert.evses)} EVSEs are down",
                    title="watchlist",
                    severity="error",
                    markup=False,
                )
        if len(alerts) > MAX_ALERTS_PER_BATCH:
            more = len(alerts) - MAX_ALERTS_PER_BATCH
            self.notify(f"and {more} more watchlist alerts", title="watchlist", markup=False)

    # --- painting ------------------------------------------------------------------------

    def now(self) -> datetime:
        """The app clock as an aware datetime."""
        return datetime.fromtimestamp(self.clock(), UTC)

    def _repaint(self) -> None:
        monitor = self.get_screen_stack_base()
        if monitor is None:
            return
        try:
            bar = monitor.query_one(StatusBar)
        except NoMatches:
            return  # not composed yet
        now = self.clock()
        wall = datetime.fromtimestamp(now, UTC)
        bar.connection = self.connection
        bar.rate = self.activity.rate(now)
        bar.lag = wall - self.store.newest if self.store.newest else None
        bar.rejected = self.rejected
        bar.watched = len(self.watchlist)
        counters = monitor.query_one(StatusCounters)
        counters.counts = dict(self.store.counts)
        counters.recent = self.activity.transitions_into(now)
        new_second = int(now) != self._second
        if new_second:
            self._second = int(now)
            monitor.query_one(Sparkline).data = self.activity.per_second(now, SPARK_SECONDS)
        if self._pending:
            changes, self._pending = self._pending, []
            log = monitor.query_one(EventLog)
            # A burst larger than the log would only be written to be dropped again.
            log.add_changes(changes[-log.max_rows :])
        expired = [i for i, until in self._flash.items() if until <= now]
        for location_id in expired:
            del self._flash[location_id]
        if self._watch_dirty or new_second or expired:
            self._watch_dirty = False
            monitor.query_one(WatchlistPanel).show(self.watchlist, self.store, wall, self._flash)

    def get_screen_stack_base(self) -> MonitorScreen | None:
        """The main screen, wherever the user is in the screen stack."""
        stack = self.screen_stack
        base = stack[0] if stack else None
        return base if isinstance(base, MonitorScreen) else None

    # --- what the user points at ---------------------------------------------------------

    def current_location(self) -> str | None:
        """The location the user is looking at: the open location screen, the watchlist
        panel's cursor when it has focus, otherwise the event log's highlighted row."""
        screen = self.screen
        if isinstance(screen, LocationScreen):
            return screen.location_id
        if not isinstance(screen, MonitorScreen):
            return None
        panel = screen.query_one(WatchlistPanel)
        if panel.has_focus_within:
            return panel.selected_location
        log = screen.query_one(EventLog)
        change = log.highlighted
        if change is not None and log.following:
            # Hold the row still: the user acts on what they saw highlighted.
            log.pause()
        return change.location_id if change else None

    def display_name(self, location_id: str) -> str:
        """A location's label, or its short id."""
        return self.watchlist.label(location_id) or short_id(location_id)

    # --- actions -------------------------------------------------------------------------

    def action_toggle_watch(self) -> None:
        """Watch or unwatch the location the user is looking at."""
        location_id = self.current_location()
        if location_id is None:
            self.notify("No location highlighted yet.", severity="warning")
            return
        watched = self.watchlist.toggle(location_id)
        name = self.display_name(location_id)
        self._watchlist_changed(f"Watching {name}" if watched else f"Stopped watching {name}")

    def unwatch(self, location_id: str) -> None:
        if self.watchlist.remove(location_id):
            self._watchlist_changed(f"Stopped watching {self.display_name(location_id)}")

    def action_add_watch(self) -> None:
        """Ask for a location id and watch it."""

        def add(answer: str | None) -> None:
            location_id = resolve_location_id(answer or "", self.store.locations)
            if not location_id:
                return
            if not self.watchlist.add(location_id):
                self.notify(f"Already watching {self.display_name(location_id)}", markup=False)
                return
            note = "" if location_id in self.store.locations else " (no update for it yet)"
            self._watchlist_changed(f"Watching {self.display_name(location_id)}{note}")

        self.push_screen(
            PromptScreen(
                "Watch a location",
                placeholder="here:evcp:charginglocation:…",
                help="Paste a charging location id (the hex tail alone will do); enter adds "
                "it, escape cancels.",
            ),
            add,
        )

    def action_edit_label(self) -> None:
        """Give the current location a label (watching it if it was not)."""
        location_id = self.current_location()
        if location_id is None:
            self.notify("No location highlighted yet.", severity="warning")
            return

        def relabel(answer: str | None) -> None:
            if answer is None:
                return
            self.watchlist.set_label(location_id, answer)
            self._watchlist_changed(
                f"Label of {short_id(location_id)}: {answer.strip() or '(none)'}"
            )

        self.push_screen(
            PromptScreen(
                f"Label for {short_id(location_id, 40)}",
                value=self.watchlist.label(location_id),
                help="Shown instead of the id in the log and the watchlist. "
                "Labelling a location watches it.",
            ),
            relabel,
        )

    def _watchlist_changed(self, message: str) -> None:
        try:
            self.watchlist.save()
        except WatchlistError as exc:
            self.notify(f"{exc} (kept for this session)", severity="error", markup=False)
        self.notify(message, markup=False)
        self._watch_dirty = True
        if (monitor := self.get_screen_stack_base()) is not None:
            monitor.query_one(EventLog).relabel()
        if isinstance(self.screen, LocationScreen):
            self.screen.refresh_view()
        self._repaint()

    def action_filter(self) -> None:
        """Ask for a filter query for the event log."""
        monitor = self.get_screen_stack_base()
        if monitor is None:
            return
        log = monitor.query_one(EventLog)

        def apply(answer: str | None) -> None:
            if answer is not None:
                self.set_filter(EventFilter.parse(answer))

        self.push_screen(
            PromptScreen(
                "Filter the log",
                value=log.filter.query,
                placeholder="text in ids or labels; status:charging,available",
                help="Words match location or EVSE ids and labels. status:a,b keeps changes "
                "into those statuses. Empty shows everything.",
            ),
            apply,
        )

    def set_filter(self, event_filter: EventFilter) -> None:
        """Show only the log rows that match."""
        unseen = sorted(
            s
            for s in event_filter.statuses
            if s not in KNOWN_STATUSES and s not in self.store.counts
        )
        if unseen:
            self.notify(
                f"No status {', '.join(unseen)} seen so far; the stream may still bring it. "
                f"Known: {', '.join(KNOWN_STATUSES)}",
                severity="warning",
                markup=False,
            )
        monitor = self.get_screen_stack_base()
        if monitor is not None:
            monitor.query_one(EventLog).filter = event_filter

    def action_pause(self) -> None:
        if (monitor := self.get_screen_stack_base()) is not None:
            monitor.action_pause()

    def open_location(self, location_id: str) -> None:
        """Open the location screen."""
        if isinstance(self.screen, LocationScreen):
            self.pop_screen()
        self.push_screen(LocationScreen(location_id, self.store, self.watchlist, self.now))

    def on_event_log_location_selected(self, message: EventLog.LocationSelected) -> None:
        self.open_location(message.location_id)

    def on_watchlist_panel_location_selected(
        self, message: WatchlistPanel.LocationSelected
    ) -> None:
        self.open_location(message.location_id)

    def action_show_rejected(self) -> None:
        """List the latest rejected messages."""
        if not isinstance(self.screen, RejectedScreen):
            self.push_screen(RejectedScreen(list(self.rejections), self.rejected))

    def action_help(self) -> None:
        """Show the keys, colours and files."""
        if isinstance(self.screen, HelpScreen):
            return
        files = {
            "settings": str(self.settings_path or "(none: defaults)"),
            "watchlist": str(self.watchlist.path or "(not saved)"),
        }
        self.push_screen(HelpScreen(self.binding_sections(), self.keys_of, files))

    async def action_quit(self) -> None:
        """Stop the stream (it commits and unsubscribes), then leave."""
        for worker in self.workers:
            if worker.group == "stream":
                worker.cancel()
                # Leaving regardless of how the worker ends is the point of `q`.
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(worker.wait(), QUIT_GRACE_SECONDS)
        self.exit()
