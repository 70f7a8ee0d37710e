"""The live feed: a worker applies each batch of the source, has it recorded, acknowledges it."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from textual.notifications import SeverityLevel

from evtui.here.errors import HereError
from evtui.here.events import ConnectionState, ConnectionStatus
from evtui.model import Alert, AlertKind, AlertTracker, Batch, MonitorState
from evtui.recording import SessionError
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
                async for event in source:
                    if isinstance(event, ConnectionState):
                        app.connection = event
                        # Rare, and what the header says must be current at once (paced
                        # repaints may skip the side panels while changes stream in).
                        self._painter.repaint()
                        continue
                    self._apply(event)
                    # Acknowledged only once applied and recorded: a restart resumes after it.
                    source.ack(event)
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

    def _apply(self, batch: Batch) -> None:
        app = self._app
        now = app.clock()
        result = self._state.apply(batch, now)
        self._recording.record(batch)
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
