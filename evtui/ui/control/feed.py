"""The live feed: a worker applies each batch of the source, has it recorded, acknowledges it."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Sequence

from textual.notifications import SeverityLevel

from evtui.here.errors import HereError
from evtui.here.events import ConnectionState, ConnectionStatus
from evtui.model import Alert, AlertKind, AlertTracker, Batch, MonitorState
from evtui.recording import Recorder, SessionError
from evtui.sources import Source
from evtui.ui.control.recording import RecordingControl
from evtui.ui.host import Host
from evtui.ui.painter import Painter

__all__ = ["MAX_ALERTS_PER_BATCH", "LiveFeed"]

# The app's logger: a feed that stops is the monitor's news, whoever holds the feed.
log = logging.getLogger("evtui.ui")

MAX_ALERTS_PER_BATCH = 3
SEVERITY: dict[AlertKind, SeverityLevel] = {
    AlertKind.ALL_DOWN: "error",
    AlertKind.LONG_OUTAGE: "warning",
    AlertKind.FLAPPING: "warning",
    AlertKind.AVAILABLE_AGAIN: "information",
}
"""How loudly each alert is notified."""


class LiveFeed:
    """Feeds the live state from the source; the painter shows it, the recording keeps it."""

    def __init__(
        self,
        app: Host,
        source: Source,
        state: MonitorState,
        painter: Painter,
        recording: RecordingControl,
    ) -> None:
        self._app = app
        self.source = source
        self._state = state
        self._painter = painter
        self._recording = recording
        self.alerts = AlertTracker()
        self._unwritten: deque[tuple[Recorder, int, Batch]] = deque()
        """Batches handed to the recording, not yet acknowledged: with the messages the
        session holds once each is written."""

    def start(self) -> None:
        """Run `consume` as the app's one stream worker."""
        self._app.run_worker(
            self.consume,
            name="consume",
            group="stream",
            description="consume()",
            exclusive=True,
            exit_on_error=False,
        )

    async def consume(self) -> None:
        """Apply every batch the source yields, record it, then acknowledge it."""
        app = self._app
        source = self.source
        try:
            async with source:
                try:
                    async for event in source:
                        if isinstance(event, ConnectionState):
                            app.connection = event
                            # Rare, and what the header says must be current at once (paced
                            # repaints may skip the side panels while changes stream in).
                            self._painter.repaint()
                            continue
                        self._apply(event)
                finally:
                    self._settle()
        except (HereError, OSError, SessionError) as exc:
            app.failure = str(exc)
            app.connection = ConnectionState(ConnectionStatus.ERROR, str(exc))
        except Exception as exc:
            # A fault nobody foresaw stops the feed, never the monitor: what it has shown stays
            # on screen, the header says why, and the log (--log) has the traceback.
            log.exception("the stream stopped")
            app.failure = f"the stream stopped: {type(exc).__name__}: {exc}"
            app.connection = ConnectionState(ConnectionStatus.ERROR, app.failure)
        finally:
            # The feed is over: its final state on screen now, every panel of it.
            self._painter.repaint()

    def _apply(self, event: Batch) -> None:
        app = self._app
        now = app.clock()
        batch = self._recording.in_time_order(event)
        result = self._state.apply(batch, now)
        self._acknowledge(event, self._recording.record(batch, result))
        self._painter.absorb(result, now)
        alerts = self.alerts.check(app.store, result, app.watchlist, now)
        settings = app.settings
        alerts += self.alerts.check_figures(
            self._state,
            app.watchlist,
            outage_after=settings.outage_alert_minutes * 60,
            flapping=settings.flapping_alerts,
        )
        self._notify_alerts(alerts)

    def _acknowledge(self, batch: Batch, recorded: int | None) -> None:
        """Acknowledge what is applied and, while recording, in the file: a restart resumes
        after it. `recorded`: the messages the session holds once `batch` is written."""
        recording = self._recording
        if recorded is not None and recording.recorder is not None:
            self._unwritten.append((recording.recorder, recorded, batch))
        self._ack_written(recording.written() if self._unwritten else None)
        if recorded is None:
            self.source.ack(batch)

    def _ack_written(self, written: int | None) -> None:
        waiting = self._unwritten
        current = self._recording.recorder
        while waiting:
            recorder, count, batch = waiting[0]
            # A recording that is over was closed (all written) or failed (the monitor goes on).
            if recorder is current and (written is None or count > written):
                break
            waiting.popleft()
            self.source.ack(batch)

    def _settle(self) -> None:
        """Before the source commits on the way out: wait for the recording to write what it
        was handed, and acknowledge it."""
        if self._unwritten:
            self._ack_written(self._recording.flush())

    def _notify_alerts(self, alerts: Sequence[Alert]) -> None:
        app = self._app
        for alert in alerts[:MAX_ALERTS_PER_BATCH]:
            app.notify(
                alert.describe(app.display_name(alert.location_id)),
                title="watchlist",
                severity=SEVERITY[alert.kind],
                markup=False,
            )
        if len(alerts) > MAX_ALERTS_PER_BATCH:
            more = len(alerts) - MAX_ALERTS_PER_BATCH
            app.notify(f"and {more} more watchlist alerts", title="watchlist", markup=False)
