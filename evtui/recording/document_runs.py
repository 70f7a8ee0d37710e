"""Runs of documents deflated together, and inflated back; and the deflate a session uses.

A recorder writes a poll's messages in one transaction. Their documents (ids already swapped
for references, see `packing.py`) are deflated a run at a time into the row of the run's
first: a document then finds the ids and times of those before it, and one stream is set up
for some 25 documents instead of one a message (format.py says how a run is laid out).
"""

from __future__ import annotations

import sys
import zlib
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate

from evtui.model.decoder import MAX_DOCUMENT_BYTES
from evtui.model.inflate import NAME, backend

__all__ = ["FAST_LEVEL", "LEVEL", "ZLIB", "InflatedRun", "deflate_run"]

ZLIB = backend()
"""The zlib that packs checkpoints and runs of documents: ISA-L where it is installed (a
checkpoint in a ninth of the time of zlib's level 6, a tenth larger), else zlib's own. Either
writes the same format, which zlib reads."""
LEVEL, FAST_LEVEL = (3, 1) if NAME == "isal" else (6, 1)
"""Its levels for what is kept (the best ISA-L has) and for what is not (a replay's states)."""

_WBITS = 15
"""A run's window (32 KiB): a document finds the ids and times of those before it."""
_MOST_DOCUMENTS = 1 << 20
"""Documents a run may say it holds (it holds some 25): their lengths are read before them."""


def deflate_run(span: int, documents: Sequence[bytes], dictionary: bytes) -> bytes:
    """Documents deflated together, for the first of `span` messages: the span, the
    documents' count and lengths (4 bytes each, little-endian), then the documents; after the
    deflate stream, its CRC-32 (4 bytes, little-endian).

    (Raw deflate checks nothing: a byte changed on disk can inflate to other documents, a
    status changed or JSON broken, and read as the stream's. The CRC tells damage apart, at
    a cost of 4 bytes a run and 1 us to check its kilobyte.)

    (Deflated one by one, as format version 2 did, a demo document took 36 bytes and 4.3 us;
    a hundred together, 14 bytes and 0.4 us each.)"""
    lengths = array("I", [span, len(documents), *map(len, documents)])
    if sys.byteorder == "big":
        lengths.byteswap()
    compressor = ZLIB.compressobj(
        LEVEL, zlib.DEFLATED, -_WBITS, 8, zlib.Z_DEFAULT_STRATEGY, dictionary
    )
    packed: bytes = compressor.compress(lengths.tobytes())
    packed += compressor.compress(b"".join(documents))
    packed += compressor.flush()
    crc: int = ZLIB.crc32(packed)
    return packed + crc.to_bytes(4, "little")


@dataclass(frozen=True)
class InflatedRun:
    """A run of documents as `deflate_run` deflated them, inflated: messages `first` to
    `stop` (exclusive) hold them, the first in its row."""

    first: int
    stop: int
    ends: list[int]
    """Where each document ends in `text`."""
    text: bytes

    @classmethod
    def inflate(
        cls, first: object, data: object, dictionary: bytes, *, checked: bool = True
    ) -> InflatedRun:
        """Raises ValueError where the row or its data are damaged. `checked`: the data ends
        with its CRC-32 (format version 4 on; 3 had none)."""
        if not (isinstance(first, int) and isinstance(data, bytes)):
            raise ValueError("a damaged run of documents")
        if checked:
            data, crc = data[:-4], data[-4:]
            if len(crc) < 4 or ZLIB.crc32(data) != int.from_bytes(crc, "little"):
                raise ValueError("a damaged run of documents (its checksum)")
        inflater = zlib.decompressobj(-_WBITS, dictionary)
        # Only as much as the lengths say (a damaged count or length cannot make it unbounded).
        head = inflater.decompress(data, 8)
        span, count = (int.from_bytes(head[i : i + 4], "little") for i in (0, 4))
        if len(head) != 8 or not 0 < count <= min(span, _MOST_DOCUMENTS):
            raise ValueError("a damaged run of documents (its count)")
        lengths = array("I", inflater.decompress(inflater.unconsumed_tail, 4 * count))
        if sys.byteorder == "big":
            lengths.byteswap()
        total = sum(lengths)
        # A run stops at the first document past `RUN_BYTES`, and no document is larger than
        # the decoder takes: more than twice that is damage (or a file made to exhaust memory).
        if len(lengths) != count or total > 2 * MAX_DOCUMENT_BYTES:
            raise ValueError("a damaged run of documents (its lengths)")
        text = inflater.decompress(inflater.unconsumed_tail, total + 1)
        if len(text) != total or not inflater.eof or inflater.unused_data:
            raise ValueError("a damaged run of documents (cut short)")
        return cls(first, first + span, list(accumulate(lengths)), text)

    def document(self, index: int) -> bytes:
        if not 0 <= index < len(self.ends):
            raise ValueError("a damaged row (its place in its run)")
        return self.text[self.ends[index - 1] if index else 0 : self.ends[index]]

