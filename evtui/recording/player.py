"""Replay: walk a session forwards at any speed, and jump to any position exactly.

The state at a position is the fold of every message before it. Seeking restores the nearest
checkpoint at or before the target (saved in the file, or taken while playing) and replays the
messages from there, so a seek lands on the same state as playing from the start.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

from evtui.model import (
    KEEP_REJECTIONS,
    ApplyResult,
    Batch,
    MonitorState,
    Rejection,
    SnapshotError,
    StreamMessage,
    decode,
)
from evtui.model.reliability import RuleSet
from evtui.model.state import DELTA_VERSION
from evtui.recording.format import Marker
from evtui.recording.packing import pack_state, unpack_state
from evtui.recording.reader import READ_CHUNK, SessionInfo, SessionReader
from evtui.recording.recorder import CHECKPOINT_EVERY

__all__ = ["SPEEDS", "Player"]

SPEEDS: tuple[float | None, ...] = (0.25, 0.5, 1, 2, 5, 10, 25, 50, 100, None)
"""Playback speeds `+` and `-` step through; None is as fast as the machine goes."""


@dataclass(slots=True)
class _Memo:
    """A checkpoint taken while playing, for sessions whose file has too few.

    Kept compressed: a large network's state is tens of megabytes as Python objects.
    """

    blob: bytes
    lossy: bool
    """Taken after messages the file lost, before a checkpoint of the file's made up for them."""

    @classmethod
    def of(cls, state: dict[str, Any], lossy: bool) -> _Memo:
        return cls(pack_state(state, fast=True), lossy)

    def state(self) -> dict[str, Any]:
        return unpack_state(self.blob)


class Player:
    """A session being replayed: the state after `position` messages, and a playback clock."""

    def __init__(
        self, reader: SessionReader, *, max_events: int = 10_000, rules: RuleSet | None = None
    ) -> None:
        self.reader = reader
        self.rules = rules
        """The reliability figures' rules (checkpoints recorded under others keep theirs)."""
        self.info: SessionInfo = reader.info
        self.total = reader.count
        """Messages in the session."""
        self.markers: list[Marker] = reader.markers()
        self.marker_times = tuple(m.at for m in self.markers)
        """When each marker was dropped, for the progress bar (read on every repaint)."""
        self.max_events = max_events
        self.state = MonitorState(max_events=max_events, rules=rules)
        self.position = 0
        """Messages applied so far: the next one to apply is message `position`."""
        self.start_time = self.info.first_at or self.info.started_at
        self.end_time = self.info.last_at or self.start_time
        self.clock = self.start_time
        """Session time the playback has reached (Unix seconds)."""
        self._saved = reader.checkpoints()
        self._memos: dict[int, _Memo] = {}
        self._rejection_seqs: deque[int] = deque(maxlen=KEEP_REJECTIONS)
        self._ahead: deque[tuple[int, StreamMessage]] = deque()
        self._ahead_end = 0
        self._quiet_until: int | None = None
        """While a seek goes forward: messages received in this second or before are caught up
        without counting activity (see `MonitorState.catch_up`)."""
        self._applied_at = self.start_time
        """When the last message applied was received."""
        self._lossy = False
        """Messages the file lost were skipped since the state was last whole: the next of the
        file's checkpoints, which the recorder took with them, is restored on the way."""
        if 0 in self._saved:
            # Recorded mid-session: the replay starts from the monitor's state then.
            self._restore(0)

    # --- reading ahead -------------------------------------------------------------------

    def _fill(self) -> bool:
        """Read the next chunk of messages; False at the end of the session."""
        while not self._ahead and self._ahead_end < self.total:
            start = self._ahead_end
            self._ahead_end = min(self.total, start + READ_CHUNK)
            for chunk in self.reader.read(start, self._ahead_end):
                self._ahead.extend(chunk)
        return bool(self._ahead)

    @property
    def next_time(self) -> float | None:
        """When the next message was received, or None at the end."""
        if not self._fill():
            return None
        return self._ahead[0][1].received_at

    @property
    def at_end(self) -> bool:
        return self.position >= self.total

    # --- moving forwards -----------------------------------------------------------------

    def advance(self, *, until: float | None = None, limit: int | None = None) -> ApplyResult:
        """Apply the next messages received at or before `until`, at most `limit` of them."""
        return self._advance(until, limit, None)

    def _advance(self, until: float | None, limit: int | None, stop: int | None) -> ApplyResult:
        """`advance`, and never past position `stop`."""
        result = ApplyResult()
        remaining = limit
        while remaining is None or remaining > 0:
            more = self._fill()
            upcoming = self._ahead[0][0] if more else self.total
            if stop is not None:
                upcoming = min(upcoming, stop)
            if upcoming > self.position:
                # Messages the file lost: skipped over, not waited for. A checkpoint of the
                # file's among them has the state as it was with them.
                if self._resync(upcoming):
                    continue
                self._lossy = True
                self.position = upcoming
            if not more or (stop is not None and self.position >= stop):
                break
            if self._lossy and self.position in self._saved and self._load(self.position):
                continue
            boundary = self._memo_boundary()
            if self.position >= boundary:
                self._take_memo()
                continue
            if self._lossy:
                boundary = min((p for p in self._saved if p > self.position), default=boundary)
            take: list[tuple[int, StreamMessage]] = []
            while self._ahead and (remaining is None or len(take) < remaining):
                seq, message = self._ahead[0]
                if (
                    seq != self.position + len(take)  # lost messages before this one
                    or seq >= boundary
                    or (stop is not None and seq >= stop)
                    or (until is not None and message.received_at > until)
                ):
                    break
                take.append(self._ahead.popleft())
            if not take:
                break
            self._apply(take, result)
            if self._lossy and self.position in self._saved:
                self._load(self.position)
            if remaining is not None:
                remaining -= len(take)
        return result

    def _resync(self, upto: int) -> bool:
        """Restore the last readable file checkpoint after the position, up to `upto`."""
        passed = sorted((p for p in self._saved if self.position < p <= upto), reverse=True)
        return any(self._load(p) for p in passed)

    def _memo_boundary(self) -> int:
        """The next position at which to keep a checkpoint in memory."""
        if self._quiet_until is not None:
            # A state caught up without its activity is no state to keep.
            return self.total + 1
        last = max((*self._saved, *self._memos), default=0)
        return (max(last, self.position - 1) // CHECKPOINT_EVERY + 1) * CHECKPOINT_EVERY

    def _take_memo(self) -> None:
        state = self.state.snapshot(binary=True)
        state["rejection_seqs"] = list(self._rejection_seqs)
        self._memos[self.position] = _Memo.of(state, self._lossy)

    def _apply(self, take: list[tuple[int, StreamMessage]], result: ApplyResult) -> None:
        items = tuple(decode(message) for _, message in take)
        for (seq, _), item in zip(take, items, strict=True):
            if isinstance(item, Rejection):
                self._rejection_seqs.append(seq)
        if self._quiet_until is not None:
            quiet = 0
            while quiet < len(items) and take[quiet][1].received_at < self._quiet_until + 1:
                quiet += 1
            if quiet:
                self.state.catch_up(Batch(items[:quiet]))
                items = items[quiet:]
        part = self.state.apply(Batch(items))
        result.changes.extend(part.changes)
        result.first_seen.extend(part.first_seen)
        result.locations.update(part.locations)
        result.updates += part.updates
        result.stale += part.stale
        self.position = take[-1][0] + 1
        self._applied_at = take[-1][1].received_at
        self.clock = max(self.clock, self._applied_at)

    def play(
        self, elapsed: float, speed: float | None, *, idle_limit: float | None, limit: int
    ) -> ApplyResult:
        """Move the playback clock on by `elapsed` wall seconds at `speed` and apply what it
        passes. `speed` None applies up to `limit` messages, as fast as they come.

        A wait for the next message longer than `idle_limit` session seconds is cut to it.
        """
        if speed is None:
            return self.advance(limit=limit)
        upcoming = self.next_time
        if upcoming is None:
            self.clock = max(self.clock, self.end_time)
            return ApplyResult()
        if idle_limit is not None and upcoming - self.clock > idle_limit:
            self.clock = upcoming - idle_limit
        # A damaged file may not know its end: the next message is never out of reach.
        self.clock = min(self.clock + elapsed * speed, max(self.end_time, upcoming, self.clock))
        result = self.advance(until=self.clock, limit=limit)
        behind = self.next_time
        if behind is not None and behind <= self.clock and self.position:
            # `limit` cut it short: the speed asks for more than the machine applies. The
            # clock waits with the messages applied, rather than run ahead of the screen
            # (a pause would then freeze a time and bar the state is not at).
            self.clock = self._applied_at
        return result

    def step(self) -> ApplyResult:
        """Apply exactly one message."""
        return self.advance(limit=1)

    # --- seeking -------------------------------------------------------------------------

    def seek(self, position: int, clock: float | None = None) -> None:
        """Put the state where it is after `position` messages."""
        target = max(0, min(position, self.total))
        start = self._best_start(target)
        if start is not None:
            self._restore(start)
        if target > self.position:
            last = self.reader.time_of(target - 1)
            # Activity is trimmed to `keep_seconds` before the last message applied; what is
            # older than that need not be counted on the way.
            if last is not None:
                self._quiet_until = int(last) - self.state.activity.keep_seconds
            try:
                self._advance(None, None, target)
            finally:
                self._quiet_until = None
        if clock is not None:
            self.clock = clock
        elif self.position:
            self.clock = self.reader.time_of(self.position - 1) or self.clock
        else:
            self.clock = self.start_time

    def seek_time(self, at: float) -> None:
        """Put the state where it is once everything received by `at` is applied."""
        at = max(self.start_time, min(at, self.end_time))
        self.seek(self.reader.seq_after(at), clock=at)

    def _best_start(self, target: int) -> int | None:
        """The checkpoint to restore first, or None to go on from the current position."""
        candidates = [p for p in (*self._saved, *self._memos) if p <= target]
        best = max(candidates, default=0)
        if self.position <= target and self.position >= best:
            return None
        return best

    def _restore(self, position: int) -> None:
        """Restore the checkpoint at `position`, or else the nearest readable one before it."""
        while not self._load(position):
            position = max((p for p in (*self._saved, *self._memos) if p < position), default=0)

    def _load(self, position: int) -> bool:
        """Put the state where the checkpoint at `position` has it; False (and the checkpoint
        forgotten) when it cannot be trusted."""
        if position == 0 and 0 not in self._saved:
            state = MonitorState(max_events=self.max_events, rules=self.rules)
            seqs: list[int] = []
            lossy = False
        else:
            memo = self._memos.get(position)
            data = memo.state() if memo is not None else self.reader.checkpoint(position)
            try:
                if data is None:
                    raise SnapshotError("checkpoint unreadable")
                seqs = [int(s) for s in data.get("rejection_seqs", [])]
                full, deltas = self._chain(position, data)
                rejections = [
                    item
                    for s in seqs
                    if (message := self.reader.message(s)) is not None
                    and isinstance(item := decode(message), Rejection)
                ]
                state = MonitorState.restore(
                    full, rejections, max_events=self.max_events, deltas=deltas, rules=self.rules
                )
            except (SnapshotError, ValueError, TypeError, KeyError, IndexError, AttributeError):
                # Never trust a damaged checkpoint.
                self._saved = [p for p in self._saved if p != position]
                self._memos.pop(position, None)
                return False
            lossy = memo.lossy if memo is not None else False
        self.state = state
        self._rejection_seqs = deque(seqs, maxlen=KEEP_REJECTIONS)
        self._lossy = lossy
        self._ahead.clear()
        self._ahead_end = position
        self.position = position
        return True

    def _chain(
        self, position: int, data: dict[str, Any]
    ) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        """The full checkpoint (None: the empty state) and the delta checkpoints, oldest first,
        that together give the state at `position`, whose checkpoint is `data`. Raises
        `SnapshotError` where one of them cannot be trusted."""
        deltas: list[dict[str, Any]] = []
        at: int = position
        full: dict[str, Any] | None = data
        while full is not None and full.get("version") == DELTA_VERSION:
            deltas.append(full)
            base = full.get("base")
            if not isinstance(base, int) or not 0 <= base < at:
                raise SnapshotError("delta checkpoint without a base")
            # Base 0 is the empty state, or the file's checkpoint at 0 if it has one.
            stored = base in self._saved
            if base and not stored:
                # Forgotten as damaged (or never there): so is every delta built on it.
                raise SnapshotError("delta checkpoint on a damaged one")
            at = base
            full = self.reader.checkpoint(base) if stored else None
            if stored and full is None:
                self._saved = [p for p in self._saved if p != base]
                raise SnapshotError("checkpoint unreadable")
        deltas.reverse()
        if full is not None and not self._log_complete(full) and position in self._saved:
            # Recorded with a shorter event log than this replay keeps: from here on the
            # file's checkpoints cannot give the log playing from the start gives.
            self._saved = [p for p in self._saved if p < at]
            raise SnapshotError("checkpoint keeps fewer events than the replay")
        return full, deltas

    def _log_complete(self, data: dict[str, Any]) -> bool:
        """Whether a checkpoint's event log holds what this player's log holds there."""
        changes = sum(int(row[-1]) for row in data.get("transitions", []))
        return len(data.get("events", [])) >= min(self.max_events, changes)

    # --- markers -------------------------------------------------------------------------

    def marker_after(self) -> Marker | None:
        """The first marker past the current position."""
        return next((m for m in self.markers if m.seq > self.position), None)

    def marker_before(self) -> Marker | None:
        """The last marker before the current position."""
        return next((m for m in reversed(self.markers) if m.seq < self.position), None)
