"""Watchlist edits: watch or unwatch what the user points at, add an id, give a label."""

from __future__ import annotations

from evtui.safetext import safe_text
from evtui.ui.host import Host
from evtui.ui.painter import Painter
from evtui.ui.screens.location import LocationScreen
from evtui.ui.screens.prompt import PromptScreen
from evtui.ui.theme import short_id
from evtui.ui.widgets.event_log import EventLog
from evtui.watchlist import WatchlistError, could_be_location_id, resolve_location_id

__all__ = ["WatchActions"]


class WatchActions:
    """Changes to the watchlist, saved at once and shown everywhere it appears."""

    def __init__(self, app: Host, painter: Painter) -> None:
        self._app = app
        self._painter = painter

    def toggle(self) -> None:
        """Watch or unwatch the location the user is looking at."""
        app = self._app
        location_id = app.current_location()
        if location_id is None:
            app.notify("No location highlighted yet.", severity="warning")
            return
        label = app.watchlist.label(location_id)
        watched = app.watchlist.toggle(location_id)
        name = app.display_name(location_id)
        # Its label is kept for this run: say so, as one key press took it off the list.
        again = " (watched again, it has its label back)" if label else ""
        self._changed(f"Watching {name}" if watched else f"Stopped watching {name}{again}")

    def unwatch(self, location_id: str) -> None:
        if self._app.watchlist.remove(location_id):
            self._changed(f"Stopped watching {self._app.display_name(location_id)}")

    def add(self) -> None:
        """Ask for a location id and watch it."""
        app = self._app

        def add(answer: str | None) -> None:
            location_id = resolve_location_id(answer or "", app.store.locations)
            if not location_id:
                return
            seen = location_id in app.store.locations
            if not seen and "…" in location_id:
                app.notify(
                    f"{safe_text(location_id, 40)!r} is the short form of no one location "
                    "seen: paste the whole id (here:evcp:charginglocation:…)",
                    severity="warning",
                    markup=False,
                )
                return
            if not seen and not could_be_location_id(location_id):
                # Neither an id nor the tail of one seen: most likely a typo, not a location.
                app.notify(
                    f"No location {safe_text(location_id, 40)!r} seen, and it is not a "
                    "location id: paste the whole id (here:evcp:charginglocation:…)",
                    severity="warning",
                    markup=False,
                )
                return
            if not app.watchlist.add(location_id):
                app.notify(f"Already watching {app.display_name(location_id)}", markup=False)
                return
            note = "" if location_id in app.store.locations else " (no update for it yet)"
            self._changed(f"Watching {app.display_name(location_id)}{note}")

        app.push_screen(
            PromptScreen(
                "Watch a location",
                placeholder="here:evcp:charginglocation:…",
                help="Paste a charging location id, as the screens show it, or enough of its "
                "start or end to tell it from the others seen; enter adds it, escape cancels.",
            ),
            add,
        )

    def edit_label(self) -> None:
        """Give the current location a label (watching it if it was not)."""
        app = self._app
        location_id = app.current_location()
        if location_id is None:
            app.notify("No location highlighted yet.", severity="warning")
            return

        def relabel(answer: str | None) -> None:
            if answer is None:
                return
            app.watchlist.set_label(location_id, answer)
            self._changed(
                f"Label of {short_id(location_id)}: {safe_text(answer.strip(), 40) or '(none)'}"
            )

        app.push_screen(
            PromptScreen(
                f"Label for {short_id(location_id, 40)}",
                value=app.watchlist.label(location_id),
                help="Shown instead of the id in the log and the watchlist. "
                "Labelling a location watches it.",
            ),
            relabel,
        )

    def _changed(self, message: str) -> None:
        app = self._app
        try:
            app.watchlist.save()
        except WatchlistError as exc:
            app.notify(f"{exc} (kept for this session)", severity="error", markup=False)
        app.notify(message, markup=False)
        app.places.relabel()
        self._painter.watchlist_changed()
        if (monitor := app.get_screen_stack_base()) is not None:
            monitor.query_one(EventLog).relabel()
        if isinstance(app.screen, LocationScreen):
            app.screen.refresh_view()
        self._painter.repaint()
