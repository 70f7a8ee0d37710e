"""Packing: how a message, its document and a checkpoint are stored in a session, and back.

The tables are `format.py`'s; this module fills them compactly and reads them back exactly.
`Packer` and `message_rows` turn messages into rows (ids once in `strings`, documents
deflated a run at a time with the file's dictionary); `Unpacker` turns rows back into the
`StreamMessage`s that were recorded (version 2's too, each document deflated by itself). Both
directions live here so that the encoding of a row is read in one place. Recording packs every
message and a seek unpacks tens of thousands: each row is one call, with no layer beneath it.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import sqlite3
import time
import zlib
from collections.abc import Callable, Sequence
from itertools import repeat
from typing import Any

from evtui.model import StreamMessage
from evtui.model.decoder import MAX_DOCUMENT_BYTES
from evtui.recording.document_runs import FAST_LEVEL, LEVEL, ZLIB, InflatedRun, deflate_run

__all__ = [
    "Columns",
    "Packer",
    "Unpacker",
    "columns_of",
    "deflate_dictionary",
    "documents_of",
    "message_rows",
    "pack_state",
    "unpack_state",
]

_NONE, _BASE64, _TEXT, _BYTES, _DOCUMENT, _PACKED, _IN_RUN = range(7)
"""The values of `messages.encoding`: what its `data` holds (see `message_rows`)."""

_WBITS = 11
"""The dictionary's size (2 KiB), and version 2's window: each document deflated alone."""
_ID = re.compile(rb'("id"\s*:\s*)"([^"\\\x00-\x1f]+)"')
"""An `"id": "..."` member without escapes: its value (group 2) goes to the strings table."""
_STRING = re.compile(rb'"([^"\\\x00-\x1f]{8,})"')
"""A JSON string without escapes that may be an interned id (in a checkpoint)."""
_REF = re.compile(rb"\x00(\d+)")
"""A reference to the strings table. Valid JSON never holds a raw NUL, so it is unambiguous."""

_STATUSES = ("UNKNOWN", "BLOCKED", "INOPERATIVE", "OUT_OF_ORDER", "RESERVED", "AVAILABLE")


def deflate_dictionary(now: float) -> bytes:
    """Documents as the stream carries them, to prime the compressor of each message with.

    Kept in the session's header: a reader uses the file's own, so it may change freely.
    """
    day = time.strftime("%Y-%m-%dT", time.gmtime(now))
    parts = []
    for comma, colon in ((", ", ": "), (",", ":")):
        # The most frequent last: the nearest matches cost the fewest bits.
        for n, status in enumerate((*_STATUSES, "CHARGING")):
            time_ = f"{day}{n:02}:{n + 3}0:00Z"
            parts.append(
                f'{{"id"{colon}"\x00{n}"{comma}"evses"{colon}[{{"id"{colon}"\x00{n + 9}"{comma}'
                f'"status"{colon}"{status}"{comma}"last_updated"{colon}"{time_}"}}]}}'
            )
    return "".join(parts).encode()[-(1 << _WBITS) :]


class Packer:
    """Compresses what a writer stores: ids once in the `strings` table, documents a run at a
    time with a dictionary of typical ones."""

    def __init__(self, dictionary: bytes) -> None:
        self._dictionary = dictionary
        self.ids: dict[bytes, int] = {}
        self._tokens: dict[bytes, bytes] = {}
        """The reference `"\x00<n>"` that stands for an id, made once."""
        self._keys: dict[str, int] = {}
        """The reference of each message key seen."""
        self.added: list[tuple[int, bytes]] = []
        """Strings not yet in the file: written with the messages that use them."""

    def ref(self, value: bytes) -> int:
        n = self.ids.get(value)
        if n is None:
            n = self.ids[value] = len(self.ids)
            self.added.append((n, value))
        return n

    def rollback(self) -> None:
        """Forget the strings of a write that failed."""
        for _, value in self.added:
            del self.ids[value]
            self._tokens.pop(value, None)
        self._keys.clear()
        self.added.clear()

    def swapped(self, document: bytes) -> bytes | None:
        """The document with its ids swapped for references; None if it holds a NUL (no
        valid JSON does)."""
        if b"\x00" in document:
            return None
        # The value `"<id>"` of every `"id"` member becomes `"\x00<n>"`, in one pass however
        # many (a location may list thousands of EVSEs); reading puts each id back in place
        # of its `\x00<n>`, and nothing else in valid JSON holds a NUL. Split, not `sub` with
        # a function: the pieces come as text, the name and the value of each member in
        # turn, with no match object to make (a quarter of the swap's time).
        parts = _ID.split(document)
        tokens = self._tokens
        for i in range(2, len(parts), 3):
            value = parts[i]
            token = tokens.get(value)
            if token is None:
                token = tokens[value] = b'"\x00%d"' % self.ref(value)
            parts[i] = token
        return b"".join(parts)

    def run(self, span: int, documents: Sequence[bytes]) -> bytes:
        """Swapped documents deflated together, for the first of `span` messages."""
        return deflate_run(span, documents, self._dictionary)

    def key(self, key: str | None) -> int | str | None:
        if key is None:
            return None
        # (A key's reference kept by its text: no encoding and second look-up a message.)
        ref = self._keys.get(key)
        if ref is None:
            try:
                ref = self._keys[key] = self.ref(key.encode())
            except UnicodeEncodeError:  # lone surrogates: kept as text
                return key
        return ref

    def checkpoint(self, state: dict[str, Any]) -> bytes:
        """The state as JSON with the ids the file already has replaced by references."""
        ids = self.ids

        def intern(match: re.Match[bytes]) -> bytes:
            n = ids.get(match[1])
            return match[0] if n is None else b'"\x00%d"' % n

        return pack_state(state, lambda text: _STRING.sub(intern, text))


Columns = tuple[
    list[int], list[int], list[int | None], list[str | None], list[str | None], list[float],
    list[bool],
]  # fmt: skip
"""A batch of messages as one list per field: partition, offset, timestamp, key, data handle,
received at, inflated (what a recorder hands its writer process: half the time of a tuple a
message, to build and to pickle)."""


def columns_of(messages: Sequence[StreamMessage]) -> Columns:
    """The messages' fields but `data`, one list each (`Columns`)."""
    return (
        [m.partition for m in messages],
        [m.offset for m in messages],
        [m.timestamp for m in messages],
        [m.key for m in messages],
        [m.data_handle for m in messages],
        [m.received_at for m in messages],
        [m.inflated for m in messages],
    )


def documents_of(messages: Sequence[StreamMessage]) -> list[bytes | None]:
    """Each message's JSON document where its payload is one (read back inflated), else None:
    the documents a write keeps when it is given none."""
    return [m.data if m.inflated and isinstance(m.data, bytes) else None for m in messages]


RUN_BYTES = 8_192
"""Bytes of documents (ids swapped) deflated together, and one more document: some 25 of the
stream's, a kilobyte deflated. A longer run deflates smaller, but its row leaves the rest of
a page empty where it does not fit (SQLite keeps a row in one page, or spills it into pages
of its own): on the benchmark's messages the table took 49.4 bytes a message with runs of
8 KiB, 50.1 with 2 KiB, 55.6 with each batch's documents in one run."""


def message_rows(
    first: int,
    columns: Columns,
    payloads: Sequence[str | bytes | None] | None,
    documents: Sequence[bytes | None],
    packer: Packer,
) -> list[tuple[object, ...]]:
    """The `messages` rows that store a batch, from `seq` `first`: its fields (`columns`), each
    message's payload as it came (None: all of them kept as their documents instead) and the
    documents they decoded to (packed where given: in runs of `RUN_BYTES`, each in the row of
    its first)."""
    partitions, offsets, times, keys, handles, received, inflated = columns
    encodings: list[int] = []
    data: list[bytes | int | None] = []
    runs: list[tuple[int, list[bytes]]] = []
    """Each run's first row, and its documents."""
    held = RUN_BYTES
    swap = packer.swapped
    for payload, document, was_inflated in zip(
        payloads or repeat(None, len(partitions)), documents, inflated, strict=True
    ):
        swapped = None if document is None else swap(document)
        if swapped is not None:
            if held >= RUN_BYTES:
                runs.append((len(data), []))
                held = 0
            run = runs[-1][1]
            encodings.append(_IN_RUN)
            data.append(len(run))
            run.append(swapped)
            held += len(swapped)
        elif payload is None:
            encodings.append(_NONE)
            data.append(None)
        elif isinstance(payload, bytes):
            encodings.append(_DOCUMENT if was_inflated else _BYTES)
            data.append(payload)
        else:
            encoding, text = _encode_text(payload)
            encodings.append(encoding)
            data.append(text)
    # Published a moment before it arrived: the difference takes a byte or two.
    published = [
        None if t is None else t - _millis(at) for t, at in zip(times, received, strict=True)
    ]
    refs = [None if k is None else packer.key(k) for k in keys]
    for n, (head, run) in enumerate(runs):
        stop = runs[n + 1][0] if n + 1 < len(runs) else len(partitions)
        data[head] = packer.run(stop - head, run)
    return list(
        zip(
            range(first, first + len(partitions)), received, partitions, offsets, published,
            refs, encodings, data, handles, strict=True,
        )
    )  # fmt: skip


def _millis(at: float) -> int:
    return int(at * 1000)


def _encode_text(text: str) -> tuple[int, bytes]:
    # Base64 costs a third more room; keep the bytes when the text can be rebuilt exactly.
    try:
        raw = base64.b64decode(text, validate=True)
        if base64.b64encode(raw).decode("ascii") == text:
            return _BASE64, raw
    except (binascii.Error, ValueError):
        pass
    return _TEXT, text.encode("utf-8", "surrogatepass")


_READ_RUN = (
    "SELECT seq, data FROM messages WHERE seq < ? AND encoding = ? AND typeof(data) = 'blob' "
    "ORDER BY seq DESC LIMIT 1"
)
_READ_STRINGS = "SELECT id, value FROM strings WHERE id IN (SELECT value FROM json_each(?))"


class Unpacker:
    """Reads back what `Packer` and `message_rows` stored: rows into the messages they hold,
    references into ids (fetching the `strings` it has not yet read, as rows need them)."""

    def __init__(self, db: sqlite3.Connection, version: int, dictionary: bytes) -> None:
        self._db = db
        self._version = version
        """The file's format version: version 1 kept keys and timestamps as they came."""
        self._checked = version >= 4
        """Runs of documents end with their CRC-32 (version 3's do not)."""
        self._strings: dict[int, bytes] = {}
        self._dictionary = dictionary
        self._inflater = zlib.decompressobj(-_WBITS, dictionary)
        """Primed with the dictionary; each message of version 2 inflates with a copy."""
        self._run: InflatedRun | None = None
        """The run of documents read last: rows are read in order, a run at a time."""

    def messages(self, rows: list[tuple[Any, ...]]) -> list[tuple[int, StreamMessage]]:
        """The messages rows hold; ValueError (and others of `damage.UNREADABLE`) for a row damage
        has left with the wrong types or references."""
        # Seeking reads tens of thousands of these: one pass to inflate, one to rebuild.
        skeletons: dict[int, list[bytes]] = {}
        refs: set[int] = set()
        for i, row in enumerate(rows):
            if row[6] == _IN_RUN:
                pieces = _REF.split(self._in_run(row[0], row[7]))
            elif row[6] == _PACKED:
                pieces = _REF.split(self._packed(row[7]))
            else:
                pieces = None
            if pieces is not None:
                skeletons[i] = pieces
                refs.update(map(int, pieces[1::2]))
            if isinstance(row[5], int):
                refs.add(row[5])
        strings = self._strings
        if not refs.issubset(strings.keys()):
            self._load_strings(refs)
        messages = []
        for i, row in enumerate(rows):
            parts = skeletons.get(i)
            document = None
            if parts is not None:
                try:
                    parts[1::2] = [strings[int(n)] for n in parts[1::2]]
                except KeyError as exc:
                    raise ValueError(f"a damaged row (string {exc} is missing)") from None
                document = b"".join(parts)
            messages.append((int(row[0]), self._message(row, document)))
        return messages

    def _in_run(self, seq: object, data: object) -> bytes:
        """The swapped document of message `seq`: the first of its run (`data`, the run), or
        the one at place `data` in it."""
        if not isinstance(seq, int):
            raise ValueError("a damaged row")
        if isinstance(data, bytes):
            self._run = InflatedRun.inflate(seq, data, self._dictionary, checked=self._checked)
            return self._run.document(0)
        if not isinstance(data, int) or data <= 0:
            raise ValueError("a damaged row")
        run = self._run
        if run is None or not run.first < seq < run.stop:
            # Read from within a run: its first message is a few rows back.
            row = self._db.execute(_READ_RUN, (seq, _IN_RUN)).fetchone()
            run = None if row is None else InflatedRun.inflate(
                row[0], row[1], self._dictionary, checked=self._checked
            )
            if run is None or not run.first < seq < run.stop:
                raise ValueError("a damaged row (the first message of its run is missing)")
            self._run = run
        return run.document(data)

    def _packed(self, data: object) -> bytes:
        """A version 2 document (deflated by itself), its ids still swapped."""
        if not isinstance(data, bytes):
            raise ValueError("a damaged row")
        inflater = self._inflater.copy()
        text = inflater.decompress(data, MAX_DOCUMENT_BYTES + 1)
        if not inflater.eof or inflater.unused_data:
            raise ValueError("a damaged row (its document is cut short)")
        return text

    def _message(self, row: tuple[Any, ...], document: bytes | None) -> StreamMessage:
        _, received_at, partition, offset, timestamp, key, encoding, data, handle = row
        if isinstance(key, int) and self._version >= 2:
            if key not in self._strings:
                raise ValueError(f"a damaged row (string {key} is missing)")
            key = self._strings[key].decode()
        if not (
            isinstance(partition, int)
            and isinstance(offset, int)
            and isinstance(received_at, int | float)
            and isinstance(timestamp, int | None)
            and isinstance(key, str | None)
            and isinstance(handle, str | None)
            and (
                data is None
                if encoding == _NONE
                else isinstance(data, int | bytes)
                if encoding == _IN_RUN
                else isinstance(data, bytes)
            )
        ):
            raise ValueError("a damaged row")
        if timestamp is not None and self._version >= 2:
            timestamp += _millis(received_at)
        payload: str | bytes | None
        if encoding == _BASE64:
            payload = base64.b64encode(data).decode("ascii")
        elif encoding == _TEXT:
            payload = bytes(data).decode("utf-8", "surrogatepass")
        elif encoding in (_BYTES, _DOCUMENT):
            payload = bytes(data)
        elif encoding in (_IN_RUN, _PACKED) and document is not None:
            payload = document
        elif encoding == _NONE:
            payload = None
        else:
            raise ValueError(f"a damaged row (encoding {encoding!r})")
        return StreamMessage(
            partition=partition,
            offset=offset,
            data=payload,
            timestamp=timestamp,
            key=key,
            data_handle=handle,
            received_at=float(received_at),
            inflated=encoding in (_DOCUMENT, _PACKED, _IN_RUN),
        )

    def _load_strings(self, refs: set[int]) -> None:
        missing = [n for n in refs if n not in self._strings]
        if missing:
            for n, value in self._db.execute(_READ_STRINGS, (json.dumps(missing),)):
                if isinstance(n, int) and isinstance(value, bytes):
                    self._strings[n] = value

    def _string(self, match: re.Match[bytes]) -> bytes:
        value = self._strings.get(int(match[1]))
        if value is None:
            raise ValueError(f"a damaged row (string {int(match[1])} is missing)")
        return value

    def resolve(self, text: bytes) -> bytes:
        """A checkpoint's JSON with its references to `strings` turned back into ids."""
        self._load_strings({int(n) for n in _REF.findall(text)})
        return _REF.sub(self._string, text)


def pack_state(
    state: dict[str, Any], intern: Callable[[bytes], bytes] | None = None, fast: bool = False
) -> bytes:
    """A checkpoint's state as stored: its JSON, zlib-compressed; then, where it has `bytes`
    values (a version 4 snapshot's timelines), those in a second zlib stream after the first,
    the JSON naming each with its length under "binary". `fast`: the fastest level, for a
    state not kept."""
    binary = {key: value for key, value in state.items() if isinstance(value, bytes)}
    if binary:
        state = {key: value for key, value in state.items() if key not in binary}
        state["binary"] = [[key, len(value)] for key, value in binary.items()]
    text = json.dumps(state, separators=(",", ":")).encode()
    if intern is not None:
        text = intern(text)
    level = FAST_LEVEL if fast else LEVEL
    blob: bytes = ZLIB.compress(text, level)
    if binary:
        blob += ZLIB.compress(b"".join(binary.values()), level)
    return blob


def unpack_state(blob: bytes, resolve: Callable[[bytes], bytes] | None = None) -> dict[str, Any]:
    """What `pack_state` packed (`resolve` turns the references in its JSON back into ids).
    Raises ValueError or zlib.error when it is damaged."""
    inflater = zlib.decompressobj()
    text = inflater.decompress(blob)
    if not inflater.eof:
        raise ValueError("checkpoint cut short")
    if resolve is not None:
        text = resolve(text)
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("not a checkpoint")
    parts = data.pop("binary", None)
    if parts is not None:
        raw = zlib.decompress(inflater.unused_data)
        offset = 0
        for key, length in parts:
            data[str(key)] = raw[offset : offset + int(length)]
            offset += int(length)
        if offset != len(raw):
            raise ValueError("checkpoint cut short")
    return data
