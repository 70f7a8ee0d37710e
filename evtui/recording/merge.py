"""Reading several sessions as one history: their messages in the order they were received.

Two recorders of one stream (a spare beside the main one, or parallel recorders around a
rebalance) hold copies of the same updates. Read one after the other, the second's copy of an
update the first had moved past would count as a late update, and an update only the second
received, inside a gap of the first, would be dropped as late. Read in receive order, a copy
is a repeat of the status and the gap is filled. Sessions that do not overlap in time read
the same either way: one whole after the other.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence

from evtui.model import StreamMessage
from evtui.recording.reader import SessionReader

__all__ = ["distinct", "merged"]


def distinct(readers: Sequence[SessionReader]) -> list[bool]:
    """Which of `readers` to read: of copies of one session (the same `SessionInfo.key`),
    only the best, an intact one before a damaged one, a finished one before one still
    being written, then the longer, then the first given. Read twice, a session's copy of
    each update would come right after the update itself, and its late updates twice."""
    best: dict[str, int] = {}
    for i, reader in enumerate(readers):
        key = reader.info.key
        if key not in best or _rank(reader) > _rank(readers[best[key]]):
            best[key] = i
    return [best[reader.info.key] == i for i, reader in enumerate(readers)]


def _rank(reader: SessionReader) -> tuple[bool, bool, int]:
    info = reader.info
    return (not info.damaged, not info.interrupted, info.messages)


def merged(
    readers: Sequence[SessionReader],
) -> Iterator[tuple[int, list[tuple[int, StreamMessage]]]]:
    """(index in `readers`, a run of that session's (seq, message)) in receive order.

    Messages received at the same instant come in the order of `readers` (sessions oldest
    first, by the callers), and inside one session in its own order. A session that does not
    overlap the others comes in its reader's chunks, unsplit.
    """
    streams = [reader.read() for reader in readers]
    heads: list[list[tuple[int, StreamMessage]] | None] = [next(s, None) for s in streams]
    while True:
        live = [i for i, head in enumerate(heads) if head]
        if not live:
            return
        first = min(live, key=lambda i: (_first(heads, i), i))
        chunk = heads[first]
        assert chunk is not None
        times = [message.received_at for _, message in chunk]
        take = len(chunk)
        for other in live:
            if other == first:
                continue
            bound = _first(heads, other)
            # A tie goes to the session listed first.
            cut = bisect_right(times, bound) if first < other else bisect_left(times, bound)
            take = min(take, cut)
        take = max(take, 1)  # (the chosen head is never after another's)
        yield first, chunk[:take]
        rest = chunk[take:]
        heads[first] = rest if rest else next(streams[first], None)


def _first(heads: list[list[tuple[int, StreamMessage]] | None], i: int) -> float:
    head = heads[i]
    assert head
    return head[0][1].received_at
