"""The shared memory a recording's requests cross to the writer process in.

Through the pipe, 300 documents of a kilobyte cost the monitor 175 us of copying into the
kernel (and the writer as much out of it); copied into memory both processes map, 25 us. The
monitor writes each batch's documents, joined, into a ring of that memory, then the rest of
the request (pickled, saying where the documents lie), and tells the writer where over the
pipe; a region is written again only once the writer has answered the request that put it
there, so the writer reads what was put there. A request too large for the ring goes through
the pipe instead.
"""

from __future__ import annotations

import mmap
import os
import tempfile
from collections import deque

__all__ = ["RING_BYTES", "Ring", "RingReader"]

RING_BYTES = 16 << 20
"""The ring's size: some fifty batches of 300 one-kilobyte documents, with their fields (see
`background.AHEAD`)."""


def _memory(size: int) -> int:
    """A file descriptor of `size` bytes of memory (a file only where memfd is missing)."""
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create("evtui-recording")
    else:  # not Linux: an unlinked temporary file, kept in the page cache while it lives
        with tempfile.TemporaryFile() as file:
            fd = os.dup(file.fileno())
    os.ftruncate(fd, size)
    return fd


class Ring:
    """The monitor's side: where each batch's documents go, and when their room is free."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.fd = _memory(size)
        """To hand to the writer process (`RingReader`)."""
        self._map = mmap.mmap(self.fd, size)
        self._head = 0
        """Bytes put so far (with the room skipped at each wrap): the next put's place."""
        self._tail = 0
        """Bytes the writer is done with."""
        self._ends: deque[tuple[int, int]] = deque()
        """(request number, where its documents end) of each request awaiting its answer
        that put documents in the ring, in order."""

    def room(self, length: int) -> bool:
        """Whether `length` bytes fit now (False: wait for answers, or use the pipe)."""
        if self._tail == self._head:
            self._head = self._tail = 0  # nothing in use: start at the beginning again
        return self._place(length) + length - self._tail <= self.size

    def fits(self, length: int) -> bool:
        """Whether `length` bytes can ever fit (once every request is answered)."""
        return length <= self.size

    def put(self, blob: bytes, request: int) -> int:
        """Copy `blob` in (there must be `room`) for the request numbered `request`; returns
        its place for `RingReader.get`."""
        start = self._place(len(blob))
        offset = start % self.size
        self._map[offset : offset + len(blob)] = blob
        self._head = start + len(blob)
        self._ends.append((request, self._head))
        return offset

    def answered(self, requests: int) -> None:
        """Every request numbered below `requests` has its answer: their room is free."""
        ends = self._ends
        while ends and ends[0][0] < requests:
            self._tail = ends.popleft()[1]

    def close(self) -> None:
        self._map.close()
        os.close(self.fd)

    def _place(self, length: int) -> int:
        # A batch's documents lie in one piece: one that would run past the end starts over
        # at the beginning, and the room skipped is freed with it.
        at = self._head
        if at % self.size + length > self.size:
            at += self.size - at % self.size
        return at


class RingReader:
    """The writer process's side: the documents the monitor put in the ring."""

    def __init__(self, fd: int, size: int) -> None:
        self._map = mmap.mmap(fd, size, access=mmap.ACCESS_READ)
        os.close(fd)

    def read(self, offset: int, length: int) -> bytes:
        """The `length` bytes put at `offset` (copied out)."""
        return self._map[offset : offset + length]

    def get(self, offset: int, lengths: list[int]) -> list[bytes]:
        """The documents of `lengths` bytes each, from `offset` on (copied out: the room
        may be written again once the request is answered)."""
        blob = self._map[offset : offset + sum(lengths)]
        documents = []
        at = 0
        for length in lengths:
            documents.append(blob[at : at + length])
            at += length
        return documents
