"""Recording: each batch a source delivers goes to the session file as one transaction."""

from __future__ import annotations

import contextlib
import time
from array import array
from collections import deque
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from itertools import chain
from pathlib import Path

from evtui.model import (
    KEEP_REJECTIONS,
    Accepted,
    Activity,
    AlertTracker,
    ApplyResult,
    Batch,
    MonitorState,
    Rejection,
    StatusChange,
    id_tail,
)
from evtui.model.places import SHORT_ID
from evtui.model.reliability import RuleSet
from evtui.recording.background import BackgroundWriter
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

    Its checkpoints hold the state a replay reaches at the same place. It folds what it
    records into a `MonitorState` of its own, exactly as a replay will; or, given the `live`
    state the monitor applies every batch to (and, with it, puts in time order first:
    `in_time_order`), it takes its checkpoints from that one, beginning with a full one of
    the state as the recording starts, so that a replay from the first message shows what the
    monitor showed. Alerts for `watched` locations drop markers by themselves.
    """

    def __init__(
        self,
        writer: SessionWriter | BackgroundWriter,
        *,
        live: MonitorState | None = None,
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
        self._state = live if live is not None else MonitorState(max_events=max_events, rules=rules)
        self._live = live is not None
        self._outage_after = outage_after
        self._flapping_alerts = flapping_alerts
        self._alerts = AlertTracker()
        self._rejection_seqs: deque[int] = deque(maxlen=KEEP_REJECTIONS)
        self._since_checkpoint = 0
        self._since_full = 0
        self._full_size = 0
        self._checkpoint_at = 0
        """The position of the last checkpoint (0: the start, which a delta may be taken
        against: the empty state, or the state a recording of the live one began with)."""
        self._mark = self._state.mark()
        self._first_seen: list[StatusChange] = []
        self._changes: list[StatusChange] = []
        self._history = array("q")
        """What the state applied since the last checkpoint, for the next delta: its
        `ApplyResult.history`, flat (no object a change to collect or to pickle)."""
        self._last_at = float("-inf")
        self.markers = 0
        self.rejected = 0
        if live is not None:
            # From now on the state also counts its activity as a replay of this file will.
            live.replayed = Activity(live.activity.keep_seconds)
            live.replayed.load(live.activity.buckets())
            if live.messages:
                self._start_checkpoint(live)

    def _start_checkpoint(self, live: MonitorState) -> None:
        """The state before the first message: what a replay starts from."""
        state = live.snapshot(binary=True, replayed=True)
        state["rejection_seqs"] = []
        self.writer.write([], (time.time(), state), [])
        self._full_size = self.writer.checkpoint_size

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
        live: MonitorState | None = None,
    ) -> Recorder:
        """Start a new session file at `path` (raises `SessionError`).

        With `live` (see the class), a process of its own packs and writes the session
        (`BackgroundWriter`): the batches are handed over, `written` says when they are in.
        """
        writer: SessionWriter | BackgroundWriter
        if live is None or not BackgroundWriter.available:
            writer = SessionWriter.create(
                path,
                source=origin.label,
                source_kind=origin.kind,
                catalog=origin.catalog,
                layer=origin.layer,
            )
        else:
            writer = BackgroundWriter.create(
                path,
                max_events=live.store.events.maxlen or 0,
                rules=live.reliability.rules,
                source=origin.label,
                source_kind=origin.kind,
                catalog=origin.catalog,
                layer=origin.layer,
            )
        return cls(
            writer,
            live=live,
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

    def written(self) -> int:
        """Messages in the file (those handed over may be on their way). Raises
        `SessionError` if the writer process said a write failed."""
        writer = self.writer
        return writer.poll() if isinstance(writer, BackgroundWriter) else writer.messages

    def flush(self) -> int:
        """Wait until every batch handed over is in the file; returns `written()`."""
        writer = self.writer
        if isinstance(writer, BackgroundWriter):
            writer.flush()
        return self.written()

    def record(self, batch: Batch, applied: ApplyResult | None = None) -> list[Marker]:
        """Write the batch (one transaction) and return the markers its alerts dropped.

        A recorder of the `live` state takes the batch as applied to it (`applied`: what the
        apply returned), after `in_time_order`. Raises `SessionError` when the file cannot be
        written; the recording is then over.
        """
        if not batch.items:
            return []
        first = self.writer.messages
        if applied is None:
            if self._live:
                raise ValueError("a recorder of the live state records batches applied to it")
            batch = self.in_time_order(batch)
            result = self._state.apply(batch)
        else:
            result = applied
        items = batch.items
        if batch.rejected:
            for i, item in enumerate(items):
                if isinstance(item, Rejection):
                    self._rejection_seqs.append(first + i)
                    self.rejected += 1
        self._since_checkpoint += len(batch)
        self._since_full += len(batch)
        self._first_seen += result.first_seen
        self._changes += result.changes
        self._history.extend(chain.from_iterable(result.history))
        checkpoint = None
        due = max(
            CHECKPOINT_EVERY,
            4 * self._state.store.evse_count,
            self._full_size // CHECKPOINT_BYTES,
        )
        full = self._since_full >= due
        # The live state's writer process takes its whole checkpoints itself, from deltas.
        whole = full and self._live and isinstance(self.writer, BackgroundWriter)
        if full or self._since_checkpoint >= DELTA_EVERY:
            if full and not whole:
                state = self._state.snapshot(binary=True, replayed=True)
            else:
                state = self._state.snapshot_delta(
                    self._mark, self._first_seen, self._changes, self._history, replayed=True
                )
                state["base"] = self._checkpoint_at
            state["rejection_seqs"] = list(self._rejection_seqs)
            checkpoint = (batch.items[-1].message.received_at, state)
        messages = [item.message for item in items]
        documents: list[bytes | None] = (
            [item.document if isinstance(item, Accepted) else None for item in items]
            if batch.rejected
            else [item.document for item in batch.accepted]
        )
        if isinstance(self.writer, BackgroundWriter):
            self.writer.write(messages, checkpoint, documents, whole=whole)
        else:
            self.writer.write(messages, checkpoint, documents)
        if checkpoint is not None:
            # Written: the next delta is taken against this one.
            self._checkpoint_at = self.writer.messages
            self._mark = self._state.mark()
            self._first_seen, self._changes, self._history = [], [], array("q")
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

    def in_time_order(self, batch: Batch) -> Batch:
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
        """End the session cleanly, once every batch is written. Raises `SessionError` if a
        write fails."""
        try:
            self.writer.close()
        finally:
            self._release()

    def abandon(self) -> None:
        """Stop without the end mark, after a write failed: the session shows as interrupted."""
        try:
            with contextlib.suppress(SessionError):
                self.writer.abandon()
        finally:
            self._release()

    def _release(self) -> None:
        if self._live:
            self._state.replayed = None
