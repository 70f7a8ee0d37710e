"""The event log's filter: ask for a query, or apply one from the palette."""

from __future__ import annotations

from evtui.model import KNOWN_STATUSES, EventFilter
from evtui.ui.host import Host
from evtui.ui.screens.prompt import PromptScreen
from evtui.ui.widgets.event_log import EventLog

__all__ = ["LogFilter"]


class LogFilter:
    """Sets the filter of the main screen's event log, whichever screen is on top."""

    def __init__(self, app: Host) -> None:
        self._app = app

    @property
    def current(self) -> EventFilter:
        """The filter the log applies now (the map draws what it keeps)."""
        monitor = self._app.get_screen_stack_base()
        return monitor.query_one(EventLog).filter if monitor is not None else EventFilter()

    def ask(self) -> None:
        """Ask for a filter query for the event log."""
        app = self._app
        monitor = app.get_screen_stack_base()
        if monitor is None:
            return
        log = monitor.query_one(EventLog)

        def apply(answer: str | None) -> None:
            if answer is not None:
                self.set(EventFilter.parse(answer))

        app.push_screen(
            PromptScreen(
                "Filter the log",
                value=log.filter.query,
                placeholder="text; status:charging operator:ionity country:de city:berlin kw:>=150",
                help="Each word must be in a location or EVSE id, label or name. status:a,b keeps "
                "changes into those statuses; operator:, city: (part of), country: (de or "
                "deu), kw:>=150 (any connector; >, <, <= too). Empty shows everything.",
            ),
            apply,
        )

    def set(self, event_filter: EventFilter) -> None:
        """Show only the log rows that match."""
        app = self._app
        unseen = sorted(
            s
            for s in event_filter.statuses
            if s not in KNOWN_STATUSES and s not in app.store.counts
        )
        if unseen:
            # A status is any string the stream sends: an unknown one may only be early.
            app.notify(
                f"No status {', '.join(unseen)} seen so far; the stream may still bring it. "
                f"Known: {', '.join(KNOWN_STATUSES)}",
                severity="warning",
                markup=False,
            )
        for note in event_filter.notes:
            app.notify(note, severity="warning", markup=False)
        monitor = app.get_screen_stack_base()
        if monitor is not None:
            monitor.query_one(EventLog).filter = event_filter
