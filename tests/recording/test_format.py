"""The session format: version 4 keeps every payload's document byte for byte in a fraction of
the room (documents deflated a run at a time, each run checked by its CRC-32), and files of
versions 1 to 3 still replay."""

from __future__ import annotations

import base64
import binascii
import json
import sqlite3
import zlib
from collections.abc import Iterable
from pathlib import Path

import pytest

from evtui.model import Accepted, Batch, Decoded, MonitorState, StreamMessage, decode
from evtui.recording import FORMAT_VERSION, Player, SessionReader, SessionWriter
from tests.recording.helpers import (
    START,
    evtui,
    network_messages,
    picture,
    record_session,
)


@pytest.fixture(scope="module")
def messages() -> list[StreamMessage]:
    return network_messages(hours=24)


def outcome(item: Decoded) -> tuple[object, ...]:
    """What a decoded message shows a user: the document and payload, or why it was refused."""
    if isinstance(item, Accepted):
        return ("accepted", item.document, item.payload)
    return ("rejected", item.reason, item.detail, item.message.data)


def test_a_recording_replays_every_message_as_it_decoded_live(
    tmp_path: Path, messages: list[StreamMessage]
) -> None:
    path = tmp_path / "s.evtui"
    record_session(path, messages)
    with SessionReader(path) as reader:
        assert reader.info.format_version == FORMAT_VERSION == 4
        read = [m for chunk in reader.read() for _, m in chunk]
        assert reader.damage is None
    assert [outcome(decode(m)) for m in read] == [outcome(decode(m)) for m in messages]
    assert [(m.partition, m.offset, m.timestamp, m.key) for m in read] == [
        (m.partition, m.offset, m.timestamp, m.key) for m in messages
    ]
    # `tail` prints the documents exactly as published.
    result = evtui("tail", "--source", str(path), "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    published = [json.loads(d.document) for m in messages if isinstance(d := decode(m), Accepted)]
    assert [json.loads(line) for line in result.stdout.splitlines()] == published


ODD_DOCUMENTS = [
    b'{"id": "loc", "evses": [{"id": "loc", "status": "AVAILABLE", "last_updated": '
    b'"2026-11-26T08:00:00Z"}]}',  # the same id twice, as location and EVSE
    b'{"id":":","evses":[{"id":",","status":"CHARGING","last_updated":"2026-11-26T08:00:00Z"}]}',
    b'{"id": "5", "evses": [{"id": "55", "status": "5", "last_updated": "2026-11-26T08:00:00Z"}]}',
    b'{"id": "a\\"b", "evses": [{"id": "\\u0000x", "status": "A\\\\B", '
    b'"last_updated": "2026-11-26T08:00:00Z"}]}',  # escapes, and an escaped NUL
    '{"id": "ünï", "evses": [{"id": "⚡ 1", "status": "AVAILABLE", '
    '"last_updated": "2026-11-26T08:00:00+01:00"}], "extra": {"id": "ünï"}}'.encode(),
    b'\t{ "id" :\n"x" , "evses" : [ ] }\r\n',
]


BIG_DOCUMENT = json.dumps(
    {
        "id": "here:evcp:charginglocation:big",
        "evses": [
            # Ids that are also other strings of the document, and escapes beside them.
            {"id": f"e{i}" if i % 3 else "AVAILABLE", "status": "AVAILABLE", "note": 'a"b\\'}
            for i in range(9_000)
        ],
    }
).encode()


def test_documents_with_odd_ids_and_spacing_come_back_byte_for_byte(tmp_path: Path) -> None:
    # A document's ids are swapped for references in one pass, thousands of them too.
    path = tmp_path / "s.evtui"
    writer = SessionWriter.create(path, source="test", source_kind="file", started_at=START)
    sent = [
        StreamMessage(0, n, doc, key=key, timestamp=1_795_600_800_000 + n, received_at=START + n)
        for n, doc in enumerate([*ODD_DOCUMENTS, BIG_DOCUMENT])
        for key in ("x", None)
    ]
    writer.write(sent, documents=[m.data for m in sent])  # type: ignore[misc]
    writer.close()
    with SessionReader(path) as reader:
        read = [m for chunk in reader.read() for _, m in chunk]
    assert [m.data for m in read] == [m.data for m in sent]
    assert all(m.inflated for m in read)
    assert [(m.key, m.timestamp, m.received_at) for m in read] == [
        (m.key, m.timestamp, m.received_at) for m in sent
    ]


def test_a_lost_string_loses_the_messages_that_use_it_and_says_which(
    tmp_path: Path, messages: list[StreamMessage]
) -> None:
    path = tmp_path / "s.evtui"
    record_session(path, messages)
    with sqlite3.connect(path) as db:
        # The id of a location first seen half way through; nothing refers to it before.
        (last,) = db.execute("SELECT max(id) FROM strings").fetchone()
        db.execute("DELETE FROM strings WHERE id = ?", (last,))
    db.close()
    with SessionReader(path) as reader:
        read = [seq for chunk in reader.read() for seq, _ in chunk]
        damage = reader.damage
    assert damage is not None and damage.lost is not None
    assert 0 < damage.lost < len(messages) and len(read) == len(messages) - damage.lost
    assert read[: damage.first_seq] == list(range(damage.first_seq))
    assert "string" in damage.reason
    assert f"damaged at message {damage.first_seq + 1:,}" in damage.describe()


_V1_SCHEMA = """
CREATE TABLE session (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE messages (
    seq INTEGER PRIMARY KEY, received_at REAL NOT NULL, partition INTEGER NOT NULL,
    "offset" INTEGER NOT NULL, timestamp INTEGER, key TEXT, encoding INTEGER NOT NULL,
    data BLOB, data_handle TEXT
);
CREATE INDEX messages_by_time ON messages (received_at);
CREATE TABLE markers (
    id INTEGER PRIMARY KEY, seq INTEGER NOT NULL, at REAL NOT NULL, kind TEXT, label TEXT
);
CREATE TABLE checkpoints (seq INTEGER PRIMARY KEY, at REAL NOT NULL, state BLOB NOT NULL);
"""


def write_version_1(path: Path, messages: list[StreamMessage], every: int) -> None:
    """A session as evtui 0.x wrote it (format version 1), with a checkpoint every `every`."""
    db = sqlite3.connect(path)
    db.executescript(_V1_SCHEMA)
    header = {
        "format": "evtui-session",
        "format_version": "1",
        "evtui_version": "0.9",
        "source": "old",
        "source_kind": "demo",
        "started_at": repr(START),
        "ended_at": repr(messages[-1].received_at),
    }
    db.executemany("INSERT INTO session VALUES (?, ?)", header.items())
    state = MonitorState()
    rejected: list[int] = []
    for seq, m in enumerate(messages):
        try:
            assert isinstance(m.data, str)
            raw, encoding = base64.b64decode(m.data, validate=True), 1
            if base64.b64encode(raw).decode() != m.data:
                raise ValueError
        except (AssertionError, ValueError, binascii.Error):
            raw, encoding = (None, 0) if m.data is None else (str(m.data).encode(), 2)
        db.execute(
            "INSERT INTO messages VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (seq, m.received_at, m.partition, m.offset, m.timestamp, m.key, encoding, raw, None),
        )
        item = decode(m)
        state.apply(Batch((item,)))
        if not isinstance(item, Accepted):
            rejected.append(seq)
        if (seq + 1) % every == 0:
            snapshot = {**state.snapshot(), "rejection_seqs": rejected[-1000:]}
            blob = zlib.compress(json.dumps(snapshot).encode(), 1)
            db.execute("INSERT INTO checkpoints VALUES (?, ?, ?)", (seq + 1, m.received_at, blob))
    db.commit()
    db.close()


def seeks_as_played(reader: SessionReader, decoded: list[Decoded], targets: Iterable[int]) -> None:
    """Each seek of a fresh replay shows what applying the messages up to it shows."""
    player = Player(reader)
    for target in targets:
        player.seek(target)
        state = MonitorState()
        state.apply(Batch(tuple(decoded[:target])))
        assert picture(player.state) == picture(state), target


def test_a_version_1_session_still_replays_and_seeks(
    tmp_path: Path, messages: list[StreamMessage]
) -> None:
    path = tmp_path / "old.evtui"
    write_version_1(path, messages, every=400)
    decoded = [decode(m) for m in messages]
    with SessionReader(path) as reader:
        assert reader.info.format_version == 1
        assert reader.checkpoints() == list(range(400, len(messages) + 1, 400))
        read = [m for chunk in reader.read() for _, m in chunk]
        assert [m.data for m in read] == [m.data for m in messages]
        at = messages[1000].received_at
        assert reader.seq_after(at) == sum(1 for m in messages if m.received_at <= at)
        seeks_as_played(reader, decoded, (len(messages), 1001, 399, 801))
    result = evtui("tail", "--source", str(path), "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    published = [json.loads(d.document) for d in decoded if isinstance(d, Accepted)]
    assert [json.loads(line) for line in result.stdout.splitlines()] == published


def write_version_2(path: Path, messages: list[StreamMessage]) -> None:
    """A session as evtui wrote it in format version 2: each document deflated by itself
    (encoding 5, a 2 KiB window and the file's dictionary), its ids swapped as now. Made from
    a recording of today's format by unpacking its runs by hand."""
    record_session(path, messages)
    db = sqlite3.connect(path)
    (dictionary,) = db.execute("SELECT value FROM session WHERE key = 'dictionary'").fetchone()
    dictionary = base64.b64decode(dictionary)
    documents: list[bytes] = []
    rows = db.execute("SELECT seq, data FROM messages WHERE encoding = 6 ORDER BY seq").fetchall()
    for seq, data in rows:
        if isinstance(data, bytes):  # a run's first: span, count, lengths, documents
            raw = zlib.decompressobj(-15, dictionary).decompress(data)
            count = int.from_bytes(raw[4:8], "little")
            lengths = [int.from_bytes(raw[8 + 4 * i : 12 + 4 * i], "little") for i in range(count)]
            at = 8 + 4 * count
            documents = []
            for length in lengths:
                documents.append(raw[at : at + length])
                at += length
            document = documents[0]
        else:
            document = documents[data]
        alone = zlib.compressobj(6, zlib.DEFLATED, -11, 4, zlib.Z_DEFAULT_STRATEGY, dictionary)
        packed = alone.compress(document) + alone.flush()
        db.execute("UPDATE messages SET encoding = 5, data = ? WHERE seq = ?", (packed, seq))
    db.execute("UPDATE session SET value = '2' WHERE key = 'format_version'")
    db.execute("PRAGMA user_version = 2")
    db.commit()
    db.close()


def test_a_version_2_session_still_replays_and_seeks(
    tmp_path: Path, messages: list[StreamMessage]
) -> None:
    path = tmp_path / "v2.evtui"
    write_version_2(path, messages)
    decoded = [decode(m) for m in messages]
    with SessionReader(path) as reader:
        assert reader.info.format_version == 2
        read = [m for chunk in reader.read() for _, m in chunk]
        assert reader.damage is None
        assert [outcome(decode(m)) for m in read] == [outcome(d) for d in decoded]
        seeks_as_played(reader, decoded, (len(messages), 1001, 399))


def test_any_message_reads_alone_from_the_middle_of_its_run(
    tmp_path: Path, messages: list[StreamMessage]
) -> None:
    path = tmp_path / "s.evtui"
    record_session(path, messages, size=100)
    with SessionReader(path) as reader:
        # Backwards: each read starts inside a run the reader has not just inflated.
        alone = [reader.message(seq) for seq in reversed(range(len(messages)))][::-1]
        ranges = [m for a in range(0, len(messages), 77) for _, m in next(reader.read(a, a + 77))]
        assert reader.damage is None
    assert alone == ranges
    assert [outcome(decode(m)) for m in alone if m] == [outcome(decode(m)) for m in messages]


def test_a_byte_changed_in_a_run_reads_as_damage_not_as_other_documents(
    tmp_path: Path, messages: list[StreamMessage]
) -> None:
    # Raw deflate checks nothing: a bit changed in a run can inflate, without an error, to
    # other bytes of the same length: a document's JSON broken (a rejection the stream never
    # sent) or its statuses changed. The run's CRC-32 tells it apart.
    path = tmp_path / "s.evtui"
    record_session(path, messages, size=100)
    with sqlite3.connect(path) as db:
        (text,) = db.execute("SELECT value FROM session WHERE key = 'dictionary'").fetchone()
        rows = db.execute("SELECT seq, data FROM messages WHERE encoding = 6 ORDER BY seq")
        in_runs = dict(rows.fetchall())
        heads = {seq: data for seq, data in in_runs.items() if isinstance(data, bytes)}
        first = sorted(heads)[3]
        changed = _silent_flip(heads[first][:-4], base64.b64decode(text))
        crc = heads[first][-4:]
        db.execute("UPDATE messages SET data = ? WHERE seq = ?", (changed + crc, first))
    db.close()
    lost = set(range(first, min(seq for seq in heads if seq > first))) & in_runs.keys()
    with SessionReader(path) as reader:
        read = {seq: m for chunk in reader.read() for seq, m in chunk}
        damage = reader.damage
    assert damage is not None and damage.first_seq == first and damage.lost == len(lost)
    assert "checksum" in damage.describe()
    assert set(read) == set(range(len(messages))) - lost
    # Every message read is the one recorded: none decodes otherwise than it did live.
    assert [outcome(decode(m)) for m in read.values()] == [
        outcome(decode(messages[seq])) for seq in read
    ]


def _silent_flip(deflated: bytes, dictionary: bytes) -> bytes:
    """`deflated` with one bit changed such that it inflates whole to other documents of the
    same lengths (span, count and lengths as they were)."""
    whole = zlib.decompressobj(-15, dictionary).decompress(deflated)
    head = 8 + 4 * int.from_bytes(whole[4:8], "little")
    for at in range(len(deflated) // 4, len(deflated)):
        for bit in range(8):
            changed = bytearray(deflated)
            changed[at] ^= 1 << bit
            inflater = zlib.decompressobj(-15, dictionary)
            try:
                text = inflater.decompress(bytes(changed))
            except zlib.error:
                continue
            whole_again = inflater.eof and not inflater.unused_data and len(text) == len(whole)
            if whole_again and text[:head] == whole[:head] and text != whole:
                return bytes(changed)
    raise AssertionError("no bit of the run inflates silently to other bytes")


def test_a_version_3_session_without_checksums_still_reads(
    tmp_path: Path, messages: list[StreamMessage]
) -> None:
    path = tmp_path / "v3.evtui"
    record_session(path, messages)
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT seq, data FROM messages WHERE encoding = 6").fetchall()
        for seq, data in rows:
            if isinstance(data, bytes):  # a run's first: its CRC-32 off
                db.execute("UPDATE messages SET data = ? WHERE seq = ?", (data[:-4], seq))
        db.execute("UPDATE session SET value = '3' WHERE key = 'format_version'")
        db.execute("PRAGMA user_version = 3")
    db.close()
    decoded = [decode(m) for m in messages]
    with SessionReader(path) as reader:
        assert reader.info.format_version == 3
        read = [m for chunk in reader.read() for _, m in chunk]
        assert reader.damage is None
        assert [outcome(decode(m)) for m in read] == [outcome(d) for d in decoded]
        seeks_as_played(reader, decoded, (len(messages), 1001, 399))


def test_a_run_whose_first_row_is_damaged_loses_that_run_only(
    tmp_path: Path, messages: list[StreamMessage]
) -> None:
    path = tmp_path / "s.evtui"
    record_session(path, messages, size=100)
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT seq, data FROM messages WHERE encoding = 6 ORDER BY seq")
        batched = {seq: isinstance(data, bytes) for seq, data in rows}
        heads = [seq for seq, head in batched.items() if head]
        broken = heads[5]
        db.execute("UPDATE messages SET data = ? WHERE seq = ?", (b"\x00garbage", broken))
    db.close()
    # Its documents are gone; the batch's rejected messages (kept as received) are not.
    lost = {seq for seq in range(broken, heads[6]) if seq in batched}
    assert len(lost) > 10
    with SessionReader(path) as reader:
        read = {seq: m for chunk in reader.read() for seq, m in chunk}
        damage = reader.damage
        assert reader.message(max(lost)) is None
        assert reader.message(heads[6]) is not None
    assert damage is not None and damage.first_seq == broken and damage.lost == len(lost)
    assert set(read) == set(range(len(messages))) - lost
    assert [outcome(decode(m)) for m in read.values()] == [
        outcome(decode(messages[seq])) for seq in read
    ]


def deflated(raw: bytes, dictionary: bytes = b"") -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15, 8, zlib.Z_DEFAULT_STRATEGY, dictionary)
    return compressor.compress(raw) + compressor.flush()


def words(*numbers: int) -> bytes:
    return b"".join(n.to_bytes(4, "little") for n in numbers)


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (deflated(words(3, 2, 2, 3) + b"abcde"), None),  # whole: the control case
        (deflated(words(3, 0)), "its count"),
        (deflated(words(1, 2, 2, 3) + b"abcde"), "its count"),  # more documents than messages
        (deflated(words(3, 2, 2)), "its lengths"),  # a length missing
        (deflated(words(3, 2, 2, 2**32 - 1) + b"ab"), "its lengths"),  # beyond any document
        (deflated(words(3, 2, 2, 3) + b"abcd"), "cut short"),
        (deflated(words(3, 2, 2, 3) + b"abcdef"), "cut short"),  # more than the lengths say
        (deflated(words(2**32 - 1, 2**32 - 1, 2)), "its count"),  # lengths beyond reason
        (deflated(words(3, 2, 2, 3) + b"abcde")[:-3], "cut short"),
        (deflated(words(3, 2, 2, 3) + b"abcde") + b"tail", "cut short"),
        (b"not deflate at all", "damaged"),
        (b"", "its count"),
    ],
)
def test_a_damaged_run_of_documents_is_refused_saying_what_is_wrong(
    data: bytes, says: str | None
) -> None:
    from evtui.recording.document_runs import InflatedRun

    if says is None:
        run = InflatedRun.inflate(10, data, b"", checked=False)
        assert (run.first, run.stop) == (10, 13)
        assert [run.document(0), run.document(1)] == [b"ab", b"cde"]
        with pytest.raises(ValueError, match="its place"):
            run.document(2)
        return
    with pytest.raises((ValueError, zlib.error)) as raised:
        InflatedRun.inflate(10, data, b"", checked=False)
    assert says in str(raised.value) or isinstance(raised.value, zlib.error)
    # Of format 4 on, each ends with its CRC-32: checked before it is inflated.
    crc = zlib.crc32(data).to_bytes(4, "little")
    with pytest.raises((ValueError, zlib.error)) as raised:
        InflatedRun.inflate(10, data + crc, b"")
    assert "checksum" not in str(raised.value)
    # (Of no data at all the CRC-32 is 0: nothing to change.)
    for wrong in (data + bytes(4), data[:-1] + crc, data + crc[:3]) if data else ():
        with pytest.raises(ValueError, match="its checksum"):
            InflatedRun.inflate(10, wrong, b"")
