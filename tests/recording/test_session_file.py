"""The session file itself: messages come back exactly as received, a file is never
overwritten, a failed write says why and leaves what was written before readable."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from evtui.model import StreamMessage
from evtui.recording import (
    SessionError,
    SessionInfo,
    SessionReader,
    SessionWriter,
    delete_session,
    is_session_file,
    list_sessions,
)
from tests.conftest import location_doc
from tests.recording.helpers import START, gzip64, network_messages

KINDS = [
    StreamMessage(0, 0, gzip64(location_doc(1)), timestamp=1_795_600_800_123, key="k1"),
    StreamMessage(1, 0, "QUJD", received_at=START + 1),  # canonical base64: kept as bytes
    StreamMessage(1, 1, "QUJ D", received_at=START + 2),  # not base64: kept as text
    StreamMessage(1, 2, "QUI", received_at=START + 2),  # base64 without its padding
    StreamMessage(1, 3, "", received_at=START + 2),
    StreamMessage(2, 7, "bad \udcff text ü", received_at=START + 3),  # undecodable bytes kept
    StreamMessage(2, 8, b"\x1f\x8b raw blob bytes", data_handle="h-1", received_at=START + 4),
    StreamMessage(2, 9, b'{"id": "x", "evses": []}', received_at=START + 5, inflated=True),
    StreamMessage(3, 0, None, data_handle="h-2", received_at=START + 6),
    StreamMessage(3, 1, None, key="no data", received_at=START + 6.5),
]


def create(path: Path, started_at: float = START) -> SessionWriter:
    return SessionWriter.create(path, source="test feed", source_kind="file", started_at=started_at)


def test_every_kind_of_message_reads_back_exactly_as_received(tmp_path: Path) -> None:
    path = tmp_path / "s.evtui"
    writer = create(path)
    assert writer.write(KINDS[:4]) == 0
    assert writer.write(KINDS[4:]) == 4
    writer.close(ended_at=START + 10)
    writer.close()  # twice is fine

    with SessionReader(path) as reader:
        got = [m for chunk in reader.read() for _, m in chunk]
        assert got == KINDS
        assert [type(m.data) for m in got] == [type(m.data) for m in KINDS]
        assert reader.message(5) == KINDS[5]
        assert reader.message(99) is None
        info = reader.info
    assert isinstance(info, SessionInfo)
    assert (info.messages, info.source, info.source_kind) == (10, "test feed", "file")
    assert (info.started_at, info.ended_at, info.interrupted) == (START, START + 10, False)
    assert (info.first_at, info.last_at, info.duration) == (0.0, START + 6.5, START + 6.5)
    assert info.size == path.stat().st_size > 0
    assert reader.damage is None


def test_reading_in_ranges_and_by_time(tmp_path: Path) -> None:
    path = tmp_path / "s.evtui"
    messages = network_messages(locations=6, hours=12)
    writer = create(path)
    writer.write(messages)
    writer.close()
    with SessionReader(path) as reader:
        chunk = [seq for part in reader.read(10, 25) for seq, _ in part]
        assert chunk == list(range(10, 25))
        for seq in (0, 1, len(messages) // 2, len(messages) - 1):
            at = messages[seq].received_at
            assert reader.time_of(seq) == at
            assert reader.seq_after(at) == sum(1 for m in messages if m.received_at <= at)
        assert reader.seq_after(START - 1) == 0
        assert reader.seq_after(messages[-1].received_at + 1) == len(messages)


def test_a_session_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "s.evtui"
    writer = create(path)
    writer.write(KINDS)
    writer.close()
    before = path.read_bytes()
    with pytest.raises(SessionError, match="already exists; not overwriting it"):
        create(path)
    assert path.read_bytes() == before
    with SessionReader(path) as reader:
        assert reader.count == len(KINDS)


def test_a_session_cannot_be_created_under_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(SessionError, match="cannot create"):
        create(blocker / "s.evtui")
    # Missing directories are made.
    deep = tmp_path / "a" / "b" / "s.evtui"
    create(deep).close()
    assert is_session_file(deep)


def test_a_full_disk_fails_the_write_and_keeps_what_was_written_before(tmp_path: Path) -> None:
    path = tmp_path / "s.evtui"
    messages = network_messages(locations=40, hours=24)
    writer = create(path)
    writer.write(messages[:100])
    writer.add_marker("user", "before", START + 1)
    # The file may not grow by more than two pages: a write needing more fails as on a disk
    # that is full.
    db = writer._db
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count = {pages + 2}")
    with pytest.raises(SessionError) as failure:
        writer.write(messages[100:600])
    assert str(failure.value) == (
        f"recording to {path} failed: database or disk is full (is the disk full?)"
    )
    assert writer.messages == 100
    writer.abandon()

    with SessionReader(path) as reader:
        got = [m for chunk in reader.read() for _, m in chunk]
        assert got == messages[:100]
        assert reader.info.interrupted
        assert [m.label for m in reader.markers()] == ["before"]
        assert reader.damage is None


def test_listing_and_deleting_sessions(tmp_path: Path) -> None:
    assert list_sessions(tmp_path / "none") == []
    # Named against their start times: the listing goes by when they started.
    older, newer = tmp_path / "b-demo.evtui", tmp_path / "a-here.evtui"
    for path in (newer, older):
        writer = create(path, START if path == older else START + 86_400)
        writer.write(KINDS[:3])
        if path == older:
            writer.close()
        else:
            writer.abandon()
    (tmp_path / "notes.txt").write_text("not listed")
    broken = tmp_path / "20261124-000000-x.evtui"
    broken.write_text("not a session")

    found = list_sessions(tmp_path)
    assert [e.path.name if isinstance(e, SessionInfo) else e[0].name for e in found] == [
        older.name,
        newer.name,
        broken.name,
    ]
    assert isinstance(found[2], tuple) and "not an SQLite file" in found[2][1]
    assert isinstance(found[0], SessionInfo) and not found[0].interrupted
    assert isinstance(found[1], SessionInfo) and found[1].interrupted

    # A session being recorded has its write-ahead files beside it; deleting takes them too.
    live = tmp_path / "live.evtui"
    writer = create(live)
    writer.write(KINDS)
    assert os.path.exists(f"{live}-wal")
    writer.abandon()
    sqlite3.connect(live).close()
    delete_session(live)
    delete_session(older)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [broken.name, newer.name, "notes.txt"]
    )


def test_the_sessions_command_lists_a_file_alone_and_refuses_a_missing_directory(
    tmp_path: Path,
) -> None:
    from tests.recording.helpers import evtui, record_session

    session = tmp_path / "s1.evtui"
    record_session(session, network_messages(locations=2, hours=1))
    done = evtui("sessions", str(session))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"Session {session}:" and len(lines) == 3
    assert "complete" in lines[2] and lines[2].endswith("/ s1.evtui")
    garbage = tmp_path / "garbage.evtui"
    garbage.write_bytes(b"\x00" * 100)
    done = evtui("sessions", str(garbage))
    assert done.returncode == 1 and "unreadable" in done.stdout
    assert "not an evtui session (not an SQLite file)" in done.stdout
    done = evtui("sessions", str(tmp_path / "nonexistent"))
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == f"evtui: {tmp_path / 'nonexistent'}: no such directory\n"
    done = evtui("sessions", str(tmp_path / "gone.evtui"))
    assert done.stderr == f"evtui: {tmp_path / 'gone.evtui'}: no such file\n"


def test_the_listing_gives_the_source_the_room_there_is_and_always_the_file(
    tmp_path: Path,
) -> None:
    from tests.recording.helpers import evtui, record_session

    for name in ("morning.evtui", "evening.evtui"):
        record_session(tmp_path / name, network_messages(locations=2, hours=1))
    narrow = evtui("sessions", str(tmp_path), env={"COLUMNS": "80"}).stdout.splitlines()
    # At 80 columns, the file alone (the source took 40 cells more, and wrapped).
    assert narrow[1].endswith("  file") and len(narrow[1]) <= 80
    assert {line.split()[-1] for line in narrow[2:]} == {"morning.evtui", "evening.evtui"}
    assert not any("synthetic" in line for line in narrow)
    wide = evtui("sessions", str(tmp_path), env={"COLUMNS": "160"}).stdout.splitlines()
    # Room for the whole source: the recorder's label, not cut.
    ends = tuple(f"synthetic network, seed 3 / {n}" for n in ("morning.evtui", "evening.evtui"))
    assert all(line.endswith(ends) for line in wide[2:]), wide
