"""Writing a session from a process of its own: the monitor hands each batch over and goes on.

Packing a message and inserting it cost about as much as decoding and applying it; on the
thread that ingests, a recording halved the monitor's throughput. `BackgroundWriter` has
`SessionWriter`'s methods, but a write returns once the batch is handed over (through shared
memory, `ring.py`: its documents, and the rest as a list of each field; a pipe says where): a
process of its own packs and writes it, one transaction a batch as before, and says so;
`written` counts the messages it said are in the file, so that a live source commits no offset
before its message is there. If the monitor is killed, the process writes what it was
handed, then leaves the session as interrupted.

The checkpoints come from the monitor's own state, as deltas (a few milliseconds each); the
process applies each to a copy of that state it keeps (`_Shadow`) and, where a whole
checkpoint is due, writes its copy whole: the monitor never stops for one (60 ms at 13,000
EVSEs, seconds at a continent's million). POSIX only (the pipes are handed over by number);
elsewhere the recorder writes on the monitor's thread as before.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import subprocess
import sys
import time
from collections.abc import Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, cast

import evtui
from evtui.model import MonitorState, StreamMessage
from evtui.model.reliability import RuleSet
from evtui.model.state import DELTA_VERSION, SnapshotError
from evtui.recording.format import Marker, SessionError
from evtui.recording.packing import columns_of, documents_of
from evtui.recording.ring import RING_BYTES, Ring, RingReader
from evtui.recording.writer import SessionWriter

__all__ = ["AHEAD", "BackgroundWriter"]

AHEAD = 64
"""Batches handed over and not yet written before `write` waits for the process (and no more
than the ring holds, `ring.RING_BYTES`): a disk slower than the stream holds up the monitor
instead of filling its memory. Some 19,000 messages of batches of 300, a quarter of a second
at the benchmark's 70,000 a second, so that the monitor goes on while the process takes a
whole checkpoint (180 ms at 13,000 EVSEs); with 16, the monitor stopped for most of it."""
WAIT = 60.0
"""Seconds `close` (and a full hand-over) waits for the process before giving up on it."""
HELD_CHANGES = 200_000
"""Status changes of deltas the writer process holds before applying them to its copy of the
state (otherwise at a whole checkpoint): at a million EVSEs those come every 4,000,000
messages, and their deltas took some 160 bytes a message to hold."""
IDLE_CHANGES = 20_000
"""Status changes held from which the writer process, with no request waiting, applies them
at once (twice the event log a state keeps by default: most of what each group makes of it
is kept), so that a whole checkpoint has less left to do while requests wait."""

_NUL = b"\x00"


class BackgroundWriter:
    """Appends messages to a new session from a writer process (see the module)."""

    available = os.name == "posix"
    """Whether this system can run one."""

    def __init__(
        self, path: Path, *, max_events: int = 10_000, rules: RuleSet | None = None
    ) -> None:
        self.path = path
        self.messages = 0
        """Messages handed over so far; also the `seq` of the next one."""
        self.written = 0
        """Messages the process has written (committed to the file)."""
        self.size = 0
        """Bytes the session took at the last write reported."""
        self.checkpoint_size = 0
        """Bytes the last checkpoint reported written takes."""
        self._error: str | None = None
        self._pending = 1
        """Requests handed over and not yet answered: first, the process's word that it has
        the file open."""
        self._answered = 0
        """Answers taken so far: the request numbered `_answered + _pending` is the next."""
        # A fresh interpreter running this module (not multiprocessing's spawn, which would
        # import the program's main module again in it), talking over two pipes. `-P`: not
        # from the working directory first, which `-m` would put before this evtui (a
        # checkout of another version, where the user records from inside it).
        requests, self._requests = _pipe()
        self._replies, replies = _pipe()
        package = str(Path(evtui.__file__).resolve().parent.parent)
        path_env = os.pathsep.join(p for p in (package, os.environ.get("PYTHONPATH")) if p)
        self._ring = Ring(RING_BYTES)
        self._process = subprocess.Popen(  # noqa: S603 (this interpreter, this module)
            [sys.executable, "-P", "-m", __name__, str(path), str(requests.fileno()),
             str(replies.fileno()), str(self._ring.fd), str(self._ring.size)],
            pass_fds=(requests.fileno(), replies.fileno(), self._ring.fd),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "PYTHONPATH": path_env},
            # Its own session: a terminal hanging up stops the monitor, and the writer then
            # writes what it was handed before it leaves.
            start_new_session=True,
        )  # fmt: skip
        # Only the process holds its ends: it sees the end of requests if this one dies.
        requests.close()
        replies.close()
        self._closed = False
        # The state its whole checkpoints are taken from starts empty, as the monitor's did.
        self._hand_over(("state", max_events, rules))

    @property
    def pid(self) -> int:
        """The writer process's id."""
        return self._process.pid

    @classmethod
    def create(
        cls,
        path: Path,
        *,
        max_events: int = 10_000,
        rules: RuleSet | None = None,
        **header: Any,
    ) -> BackgroundWriter:
        """Create the session file (as `SessionWriter.create`, which raises `SessionError`),
        then hand it to a writer process; `max_events` and `rules`, the recorded state's."""
        SessionWriter.create(path, **header).abandon()
        return cls(path, max_events=max_events, rules=rules)

    def _hand_over(self, request: tuple[Any, ...]) -> None:
        if self._error is not None:
            raise SessionError(self._error)
        if self._closed:
            raise SessionError(f"recording to {self.path} is over")
        data = pickle.dumps(request, pickle.HIGHEST_PROTOCOL)
        while self._pending >= AHEAD:
            self._wait(1)
        if self._ring.fits(len(data)) and self._make_room(len(data)):
            # Through the ring; the pipe says where. It then holds a few dozen bytes a request:
            # a write to it never fills it, which would stop the monitor with no way out if
            # the process hung (a 1.6 MB delta had the monitor wait for every batch before it).
            at = self._ring.put(data, self._answered + self._pending)
            data = pickle.dumps((at, len(data)), pickle.HIGHEST_PROTOCOL)
        else:
            # Larger than the ring: through the pipe, once the process has read everything
            # else (it reads this one whole while the monitor writes it).
            self._wait(self._pending)
        try:
            self._requests.send_bytes(data)
        except OSError:
            self.poll()  # it says why, if it could
            raise SessionError(
                f"recording to {self.path} failed: the writer process stopped"
            ) from None
        self._pending += 1

    def _make_room(self, length: int) -> bool:
        """Wait until `length` bytes of the ring are free (answers free them), or nothing is
        pending; whether they are free."""
        while not self._ring.room(length) and self._pending:
            self._wait(1)
        return self._ring.room(length)

    def write(
        self,
        messages: Sequence[StreamMessage],
        checkpoint: tuple[float, dict[str, Any]] | None = None,
        documents: Sequence[bytes | None] | None = None,
        *,
        whole: bool = False,
    ) -> int:
        """Hand over `messages` (and a checkpoint taken after them), to be written in one
        transaction; returns the `seq` of the first. Raises `SessionError` once the process
        has said that a write failed (the recording is then over).

        The checkpoints handed over are the state as it began (a whole one), then deltas,
        each against the one before: the process applies each to a state of its own and,
        where `whole`, writes that state whole instead of the delta. Taking a whole state
        costs the monitor a pause (60 ms for 13,000 EVSEs); a delta, a few milliseconds."""
        first = self.messages
        if documents is None:
            documents = documents_of(messages)
        columns = columns_of(messages)
        # A message kept as its document needs no payload of its own (half the bytes to hand
        # over); one whose document cannot be packed (it holds a NUL) is kept as it came.
        data: list[str | bytes | None] | None = None
        blob = None if None in documents else b"".join(cast("Sequence[bytes]", documents))
        if blob is None or _NUL in blob:  # in the joined documents: a fifth of a test each
            data = [
                m.data if d is None or _NUL in d else None
                for m, d in zip(messages, documents, strict=True)
            ]
        ring = self._ring
        if blob is not None and ring.fits(len(blob)) and self._make_room(len(blob)):
            # The documents apart from the rest: the process copies them out as they are.
            offset = ring.put(blob, self._answered + self._pending)
            lengths = list(map(len, cast("Sequence[bytes]", documents)))
            self._hand_over(("write", columns, data, checkpoint, (offset, lengths), whole))
        else:
            self._hand_over(("write", columns, data, checkpoint, documents, whole))
        self.messages += len(messages)
        return first

    def add_marker(self, kind: str, label: str, at: float) -> Marker:
        """Drop a marker after the messages handed over so far."""
        marker = Marker(self.messages, at, kind, label)
        self._hand_over(("marker", kind, label, at))
        return marker

    def poll(self) -> int:
        """Take in what the process has said, without waiting; returns `written`. Raises
        `SessionError` if a write failed or the process is gone."""
        while self._pending and self._replies.poll():
            self._take()
        if self._error is None and self._pending and self._process.poll() is not None:
            # It may have answered just before it stopped.
            while self._pending and self._replies.poll():
                self._take()
            if self._pending:
                self._error = f"recording to {self.path} failed: the writer process stopped"
        if self._error is not None:
            raise SessionError(self._error)
        return self.written

    def _take(self) -> None:
        try:
            reply = self._replies.recv()
        except (EOFError, OSError):
            self._error = f"recording to {self.path} failed: the writer process stopped"
            self._pending = 0
            return
        self._pending -= 1
        self._answered += 1
        self._ring.answered(self._answered)
        if reply[0] == "error":
            self._error = str(reply[1])
            self._pending = 0
        else:
            _, self.written, self.size, self.checkpoint_size = reply

    def _wait(self, answers: int) -> None:
        """Wait for `answers` more replies (or an error)."""
        deadline = time.monotonic() + WAIT
        target = max(0, self._pending - answers)
        while self._pending > target and self._error is None:
            left = deadline - time.monotonic()
            if left <= 0 or not self._replies.poll(min(left, 0.5)):
                if left <= 0 or self._process.poll() is not None:
                    self.poll()
                    if left <= 0:
                        raise SessionError(f"recording to {self.path} failed: no answer")
                continue
            self._take()
        if self._error is not None:
            raise SessionError(self._error)

    def flush(self) -> None:
        """Wait until every write handed over is done (and the process has started: some
        0.3 s after `create`). Raises `SessionError`."""
        self._wait(self._pending)

    def close(self, ended_at: float | None = None) -> None:
        """Wait for every write, then mark the session ended cleanly. Raises `SessionError`."""
        if self._closed:
            return
        self._hand_over(("close", ended_at))
        self._closed = True
        try:
            self._wait(self._pending)
        finally:
            self._stop()

    def abandon(self) -> None:
        """Stop without the end mark (the session shows as interrupted), once what was handed
        over is written."""
        if self._closed:
            return
        self._closed = True
        self._stop()

    def _stop(self) -> None:
        with contextlib.suppress(OSError):
            self._requests.close()
        try:
            self._process.wait(WAIT)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._replies.close()
        self._ring.close()


def _serve(path: Path, requests: Connection, replies: Connection, ring: RingReader) -> None:
    """The writer process: each request written, and answered with what the file holds."""
    if hasattr(os, "SCHED_BATCH"):
        # Woken by the monitor's request, a process of the usual policy takes the monitor's
        # core from it for the whole batch (Linux places the woken beside the waker): 1.1 ms
        # a batch of 100 on the monitor's thread. A batch process does not preempt on waking;
        # it runs on the other core, or when the monitor waits, with the same share of time.
        with contextlib.suppress(OSError):
            os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))
    try:
        writer = SessionWriter.reopen(path)
    except SessionError as exc:
        replies.send(("error", str(exc)))
        return
    replies.send(("ok", writer.messages, writer.size, writer.checkpoint_size))
    shadow = _Shadow()
    while True:
        if shadow.held >= IDLE_CHANGES and not requests.poll():
            shadow.catch_up()
        try:
            request = requests.recv()
            if isinstance(request[0], int):  # in the ring: (where, how many bytes)
                request = pickle.loads(ring.read(*request))  # noqa: S301 (the monitor's own)
        except (EOFError, OSError):
            # The monitor closed the pipe without closing the session, or died.
            writer.abandon()
            return
        try:
            if request[0] == "state":
                _, max_events, rules = request
                shadow = _Shadow(MonitorState(max_events=max_events, rules=rules), rules)
            elif request[0] == "write":
                _, columns, data, checkpoint, documents, whole = request
                if isinstance(documents, tuple):  # in the ring: (where, each one's length)
                    documents = ring.get(*documents)
                if checkpoint is not None:
                    checkpoint = (checkpoint[0], shadow.keep(checkpoint[1], whole))
                writer.write_columns(columns, data, documents, checkpoint)
            elif request[0] == "marker":
                _, kind, label, at = request
                writer.add_marker(kind, label, at)
            else:
                writer.close(request[1])
                replies.send(("ok", writer.messages, writer.size, writer.checkpoint_size))
                return
        except SessionError as exc:
            writer.abandon()
            replies.send(("error", str(exc)))
            return
        replies.send(("ok", writer.messages, writer.size, writer.checkpoint_size))


class _Shadow:
    """The writer process's copy of the recorded state, followed through the checkpoints."""

    def __init__(self, state: MonitorState | None = None, rules: RuleSet | None = None) -> None:
        self.state = state
        self.rules = rules
        self.deltas: list[dict[str, Any]] = []
        """The deltas written since the state was last brought up to date."""
        self.held = 0
        """The status changes they hold."""

    def keep(self, data: dict[str, Any], whole: bool) -> dict[str, Any]:
        """The checkpoint to write for `data`: itself, or the whole state it leads to."""
        state = self.state
        if state is None:
            return data
        try:
            if data.get("version") != DELTA_VERSION:
                self.deltas, self.held = [], 0
                self.state = MonitorState.restore(
                    data, max_events=state.store.events.maxlen or 0, rules=self.rules
                )
                return data
            # Applied together, once a whole checkpoint is due or they hold HELD_CHANGES: the
            # event log then builds only the last changes it keeps, and the counts are made
            # once (applied one by one, the deltas took 40% of this process's time).
            self.deltas.append(data)
            self.held += len(data.get("changes") or ()) // 4
            if not whole and self.held < HELD_CHANGES:
                return data
            self._apply(state)
            if not whole:
                return data
            full = state.snapshot(binary=True)
        except SnapshotError:
            # Deltas only from here on: a replay restores them on the last whole one.
            self.state = None
            return data
        full["rejection_seqs"] = data.get("rejection_seqs", [])
        return full

    def catch_up(self) -> None:
        """Apply the deltas held now (the process has nothing else to do)."""
        if self.state is not None and self.deltas:
            try:
                self._apply(self.state)
            except SnapshotError:
                self.state = None  # as `keep`: deltas only from here on

    def _apply(self, state: MonitorState) -> None:
        deltas, self.deltas, self.held = self.deltas, [], 0
        state.apply_deltas(deltas)


def _pipe() -> tuple[Connection, Connection]:
    """A one-way pipe as (reading end, writing end), each a `Connection`."""
    read, write = os.pipe()
    return Connection(read, writable=False), Connection(write, readable=False)


if __name__ == "__main__":
    _serve(
        Path(sys.argv[1]),
        Connection(int(sys.argv[2]), writable=False),
        Connection(int(sys.argv[3]), readable=False),
        RingReader(int(sys.argv[4]), int(sys.argv[5])),
    )
    # Done: the file is closed and the monitor's `close` waits for this exit. Python's own
    # teardown (freeing the copy of the state, then every module) took 65 ms at 13,000 EVSEs,
    # a tenth of what a minute's recording at full rate cost; there is nothing for it to tidy.
    # (multiprocessing ends its children so too.)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
