"""Recording: each batch a source delivers goes to the session file as one transaction."""

from __future__ import annotations

import contextlib
import time
from collections import deque
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from evtui.model import (
    KEEP_REJECTIONS,
    Accepted,
    AlertTracker,
    Batch,
    MonitorState,
    Rejection,
    StatusChange,
    id_tail,
)
from evtui.model.places import SHORT_ID
from evtui.model.reliability import RuleSet
from evtui.recording.format import Marker, SessionError
from evtui.recording.writer import SessionWriter

__all__ = [
    "CHECKPOINT_BYTES",
    "CHECKPOINT_EVERY",
    "DELTA_EVERY",
    "Recorder",
    "SessionOrigin",
    "default_session_path",
]

CHECKPOINT_EVERY = 20_000
"""Messages between checkpoints (more for a large network, whose checkpoints are larger).

A seek restores the nearest checkpoint and replays at most this many messages."""
CHECKPOINT_BYTES = 32
"""Full checkpoints take at most this many bytes per message recorded: after one of N bytes,
the next waits N / CHECKPOINT_BYTES messages at least. (A state grows with its EVSEs'
timelines: a megabyte or more per 10,000 EVSEs, where a message takes some 60 bytes.)"""
DELTA_EVERY = 5_000
"""Messages between delta checkpoints. Between full ones, each holds only what changed since
the checkpoint before it (the status changes in order, and the EVSEs' last update times:
some 4 bytes a message), so a seek restores a full checkpoint, applies the deltas after it (a
few milliseconds each) and replays at most this many messages."""


@dataclass(frozen=True)
class SessionOrigin:
    """Where a recording's messages come from, for the session header."""

    label: str
    kind: str
    """"here", "demo", "file" or "stdin"."""
    catalog: str | None = None
    layer: str | None = None


def default_session_path(directory: Path, kind: str, now: float | None = None) -> Path:
    """A new file name in `directory`, from the start time: `20261125-101500-demo.evtui`."""
    stamp = datetime.fromtimestamp(time.time() if now is None else now, UTC)
    base = f"{stamp:%Y%m%d-%H%M%S}-{kind}"
    path = directory / f"{base}.evtui"
    n = 2
    while path.exists():
        path = directory / f"{base}-{n}.evtui"
        n += 1
    return path


class Recorder:
    """Writes batches to a session, with checkpoints for seeking and markers for alerts.

    It folds what it records into its own `MonitorState`, exactly as a replay will, so its
    checkpoints hold the state a replay reaches at the same place. Alerts for `watched`
    locations drop markers by themselves.
    """

    def __init__(
        self,
        writer: SessionWriter,
        *,
        watched: Collection[str] = (),
        name: Callable[[str], str | None] = lambda _: None,
        max_events: int = 10_000,
        rules: RuleSet | None = None,
        outage_after: float = 30 * 60.0,
        flapping_alerts: bool = True,
    ) -> None:
        self.writer = writer
        self.started = time.monotonic()
        self._watched = watched
        self._name = name
        # The event log its checkpoints keep; a replay keeping more plays instead of using them.
        self._state = MonitorState(max_events=max_events, rules=rules)
        self._outage_after = outage_after
        self._flapping_alerts = flapping_alerts
        self._alerts = AlertTracker()
        self._rejection_seqs: deque[int] = deque(maxlen=KEEP_REJECTIONS)
        self._since_checkpoint = 0
        self._since_full = 0
        self._full_size = 0
        self._checkpoint_at = 0
        """The position of the last checkpoint (0: the empty state a delta may start from)."""
        self._mark = self._state.mark()
        self._first_seen: list[StatusChange] = []
        self._changes: list[StatusChange] = []
        """What the state applied since the last checkpoint, for the next delta."""
        self._last_at = float("-inf")
        self.markers = 0
        self.rejected = 0

    @classmethod
    def create(
        cls,
        path: Path,
        origin: SessionOrigin,
        *,
        watched: Collection[str] = (),
        name: Callable[[str], str | None] = lambda _: None,
        max_events: int = 10_000,
        rules: RuleSet | None = None,
        outage_after: float = 30 * 60.0,
        flapping_alerts: bool = True,
    ) -> Recorder:
        """Start a new session file at `path` (raises `SessionError`)."""
        writer = SessionWriter.create(
            path,
            source=origin.label,
            source_kind=origin.kind,
            catalog=origin.catalog,
            layer=origin.layer,
        )
        return cls(
            writer,
            watched=watched,
            name=name,
            max_events=max_events,
            rules=rules,
            outage_after=outage_after,
            flapping_alerts=flapping_alerts,
        )

    @property
    def path(self) -> Path:
        return self.writer.path

    @property
    def messages(self) -> int:
        return self.writer.messages

    @property
    def size(self) -> int:
        return self.writer.size

    def record(self, batch: Batch) -> list[Marker]:
        """Write the batch (one transaction) and return the markers its alerts dropped.

        Raises `SessionError` when the file cannot be written; the recording is then over.
        """
        if not batch.items:
            return []
        batch = self._in_time_order(batch)
        first = self.writer.messages
        result = self._state.apply(batch)
        for i, item in enumerate(batch.items):
            if isinstance(item, Rejection):
                self._rejection_seqs.append(first + i)
                self.rejected += 1
        self._since_checkpoint += len(batch)
        self._since_full += len(batch)
        self._first_seen += result.first_seen
        self._changes += result.changes
        checkpoint = None
        due = max(
            CHECKPOINT_EVERY,
            4 * self._state.store.evse_count,
            self._full_size // CHECKPOINT_BYTES,
        )
        full = self._since_full >= due
        if full or self._since_checkpoint >= DELTA_EVERY:
            if full:
                state = self._state.snapshot(binary=True)
            else:
                state = self._state.snapshot_delta(self._mark, self._first_seen, self._changes)
                state["base"] = self._checkpoint_at
            state["rejection_seqs"] = list(self._rejection_seqs)
            checkpoint = (batch.items[-1].message.received_at, state)
        self.writer.write(
            [item.message for item in batch.items],
            checkpoint,
            [item.document if isinstance(item, Accepted) else None for item in batch.items],
        )
        if checkpoint is not None:
            # Written: the next delta is taken against this one.
            self._checkpoint_at = self.writer.messages
            self._mark = self._state.mark()
            self._first_seen, self._changes = [], []
            self._since_checkpoint = 0
            if full:
                self._since_full = 0
                self._full_size = self.writer.checkpoint_size
        at = batch.items[-1].message.received_at
        markers = []
        alerts = self._alerts.check(self._state.store, result, self._watched, at)
        alerts += self._alerts.check_figures(
            self._state,
            self._watched,
            outage_after=self._outage_after,
            flapping=self._flapping_alerts,
        )
        for alert in alerts:
            # Named as the monitor names it: label, directory name, else the id's short form.
            name = self._name(alert.location_id) or id_tail(alert.location_id)[:SHORT_ID]
            markers.append(self.writer.add_marker("alert", alert.describe(name), at))
        self.markers += len(markers)
        return markers

    def _in_time_order(self, batch: Batch) -> Batch:
        """The batch with no message received before the one ahead of it.

        The wall clock may step back (NTP): a message is then taken as received with the one
        before. A replay plays them so anyway; in the file it lets a time be found by index.
        """
        items = list(batch.items)
        changed = False
        for i, item in enumerate(items):
            at = item.message.received_at
            if at < self._last_at:
                items[i] = replace(item, message=replace(item.message, received_at=self._last_at))
                changed = True
            else:
                self._last_at = at
        return Batch(tuple(items)) if changed else batch

    def mark(self, label: str = "", at: float | None = None) -> Marker:
        """Drop a user marker after what was recorded so far."""
        marker = self.writer.add_marker("user", label, time.time() if at is None else at)
        self.markers += 1
        return marker

    def close(self) -> None:
        """End the session cleanly. Raises `SessionError` if the last write fails."""
        self.writer.close()

    def abandon(self) -> None:
        """Stop without the end mark, after a write failed: the session shows as interrupted."""
        with contextlib.suppress(SessionError):
            self.writer.abandon()
