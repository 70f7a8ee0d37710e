"""The monitor app: a stream worker feeds the domain model; widgets repaint on a timer."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from typing import ClassVar

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Footer

from evtui.here.errors import HereError
from evtui.here.events import ConnectionState, ConnectionStatus
from evtui.model import Batch, StateStore, StatusChange
from evtui.sources import Source
from evtui.ui.widgets.counters import StatusCounters
from evtui.ui.widgets.event_log import EventLog
from evtui.ui.widgets.status_bar import StatusBar

__all__ = ["EvtuiApp"]

QUIT_GRACE_SECONDS = 2.5
"""How long `q` waits for the source to commit and unsubscribe before leaving anyway."""


class EvtuiApp(App[None]):
    """Live monitor of EV charge-point status updates from any `Source`."""

    CSS_PATH = "evtui.tcss"
    TITLE = "evtui"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("q", "quit", "Quit", id="quit")]

    def __init__(
        self, source: Source, *, max_events: int = 10_000, refresh_rate: float = 20.0
    ) -> None:
        super().__init__()
        self.source = source
        self.store = StateStore(max_events=max_events)
        self.refresh_rate = refresh_rate
        self.failure: str | None = None
        """Why the stream stopped for good, if it did; the CLI prints it after the app exits."""
        self.rejected = 0
        self._pending: list[StatusChange] = []
        self._arrivals: deque[tuple[float, int]] = deque()

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status-bar")
        with Horizontal(id="panels"):
            yield StatusCounters(id="counters")
            yield EventLog(self.store.events.maxlen or 10_000, id="event-log")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(StatusBar).source_label = self.source.label
        self.query_one(EventLog).focus()
        self.consume()
        # Repaint on a clock, never per message: the message rate must not drive the UI.
        self.set_interval(1 / self.refresh_rate, self._repaint)

    @work(exclusive=True, group="stream", exit_on_error=False)
    async def consume(self) -> None:
        """Apply every batch the source yields to the store, then acknowledge it."""
        bar = self.query_one(StatusBar)
        try:
            async with self.source:
                async for event in self.source:
                    if isinstance(event, ConnectionState):
                        bar.connection = event
                        continue
                    self._apply(event)
                    self.source.ack(event)
        except (HereError, OSError) as exc:
            self.failure = str(exc)
            bar.connection = ConnectionState(ConnectionStatus.ERROR, str(exc))

    def _apply(self, batch: Batch) -> None:
        result = self.store.apply(batch)
        self.rejected += len(batch.rejected)
        self._pending.extend(result.changes)
        self._arrivals.append((time.monotonic(), len(batch)))

    def _repaint(self) -> None:
        now = time.monotonic()
        while self._arrivals and self._arrivals[0][0] < now - 5:
            self._arrivals.popleft()
        bar = self.query_one(StatusBar)
        bar.rate = sum(n for _, n in self._arrivals) / 5
        bar.rejected = self.rejected
        self.query_one(StatusCounters).counts = dict(self.store.counts)
        if self._pending:
            changes, self._pending = self._pending, []
            log = self.query_one(EventLog)
            # A burst larger than the log would only be written to be dropped again.
            log.add_changes(changes[-log.max_lines :] if log.max_lines else changes)

    async def action_quit(self) -> None:
        """Stop the stream (it commits and unsubscribes), then leave."""
        for worker in self.workers:
            if worker.group == "stream":
                worker.cancel()
                # Leaving regardless of how the worker ends is the point of `q`.
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(worker.wait(), QUIT_GRACE_SECONDS)
        self.exit()
