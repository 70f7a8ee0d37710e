"""Damaged and foreign files: evtui reads what it can, says where the file broke, and exits 1;
a file that is no session it can read gets one clear line, never a traceback."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from evtui.commands.places import PLACE_FIELDS
from evtui.model import Accepted, Batch, MonitorState
from evtui.recording import FORMAT_VERSION, Player, SessionReader
from tests.recording.helpers import (
    Intact,
    evtui,
    id_place,
    implied_changes,
    picture,
)


@pytest.fixture(scope="module")
def intact(tmp_path_factory: pytest.TempPathFactory) -> Intact:
    return Intact(tmp_path_factory.mktemp("intact") / "s.evtui")


def tail(path: Path) -> tuple[int, list[dict[str, Any]], str, int]:
    """exit code, payloads printed, stderr, and messages read (payloads + rejected)."""
    result = evtui("tail", "--source", str(path), "--format", "jsonl")
    assert "Traceback" not in result.stderr
    summary = re.search(r"evtui tail: ([\d,]+) payloads?, ([\d,]+) rejected", result.stderr)
    assert summary is not None, result.stderr
    read = sum(int(n.replace(",", "")) for n in summary.groups())
    printed = [json.loads(line) for line in result.stdout.splitlines()]
    return result.returncode, printed, result.stderr, read


@pytest.mark.parametrize("kept", [0.6, 0.25])
def test_a_file_cut_short_is_read_up_to_where_it_ends(
    intact: Intact, tmp_path: Path, kept: float
) -> None:
    data = intact.path.read_bytes()
    path = tmp_path / "cut.evtui"
    path.write_bytes(data[: int(len(data) * kept)])
    total = len(intact.messages)

    code, printed, stderr, read = tail(path)
    assert code == 1
    where = re.search(r"^evtui: .*damaged at message ([\d,]+):", stderr, re.M)
    assert where is not None, stderr
    first = int(where.group(1).replace(",", "")) - 1
    # Everything before the break is printed, in order, and it is a good part of the file
    # (messages take less than half of it: this one has a checkpoint every 500; where pages
    # fall moves with the compressed sizes, so by a few percent from run to run); after it,
    # what is still readable (pages of messages are interleaved with others).
    assert first > total * kept * 0.3
    before = intact.documents(range(first))
    assert printed[: len(before)] == before
    assert is_subsequence(printed[len(before) :], intact.documents(range(first + 1, total)))
    assert first <= read < total
    assert stderr.count("rejected: ") == read - len(printed)
    assert intact.rejections(range(first)) <= read - len(printed)

    result = evtui("export", str(path), "--format", "jsonl")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    for r in rows:  # no directory cache: what the ids say of the places
        assert [r.pop(k) for k in PLACE_FIELDS] == id_place(r["location"])
    expected = implied_changes(printed)
    assert rows == [{**row, "old": row["old"] or None} for row in expected]
    assert f"damaged at message {first + 1:,}" in result.stderr


def is_subsequence(part: list[Any], whole: list[Any]) -> bool:
    rest = iter(whole)
    return all(any(item == other for other in rest) for item in part)


def overwrite_page_holding(path: Path, seq: int) -> None:
    """Fill the database page that holds message `seq` with garbage."""
    with sqlite3.connect(path) as db:
        page_size = db.execute("PRAGMA page_size").fetchone()[0]
        # The table's leaf pages in key order (dbstat's paths sort so), and their rows.
        leaves = db.execute(
            "SELECT pageno, ncell FROM dbstat WHERE name = 'messages' AND pagetype = 'leaf' "
            "ORDER BY path"
        ).fetchall()
    db.close()
    before = 0
    page = leaves[-1][0]
    for pageno, cells in leaves:
        if before + cells > seq:
            page = pageno
            break
        before += cells
    data = bytearray(path.read_bytes())
    start = (page - 1) * page_size
    data[start : start + page_size] = bytes((i * 37 + 11) % 256 for i in range(page_size))
    path.write_bytes(bytes(data))


@pytest.fixture
def garbled(intact: Intact, tmp_path: Path) -> tuple[Path, int]:
    """A copy of the session with the page of message `middle` overwritten; and `middle`."""
    path = tmp_path / "garbled.evtui"
    shutil.copy(intact.path, path)
    middle = len(intact.messages) // 2
    while not isinstance(intact.decoded[middle], Accepted):
        middle += 1
    overwrite_page_holding(path, middle)
    return path, middle


def test_a_garbled_page_loses_its_messages_only_and_says_which(
    intact: Intact, garbled: tuple[Path, int]
) -> None:
    path, middle = garbled
    total = len(intact.messages)

    code, printed, stderr, read = tail(path)
    assert code == 1
    lost = total - read
    # One page of messages is lost, around the one whose page it was; the rest is printed.
    assert 0 < lost < 150
    damage = re.search(
        r"damaged at message ([\d,]+): .*; ([\d,]+) messages? could not be read", stderr
    )
    assert damage is not None, stderr
    assert f"{path}: the file is damaged at message" in stderr  # (which file, in one line)
    first = int(damage.group(1).replace(",", "")) - 1
    assert int(damage.group(2).replace(",", "")) == lost
    assert first <= middle < first + lost
    readable = [*range(first), *range(first + lost, total)]
    assert printed == intact.documents(readable)

    result = evtui("export", str(path), "--format", "csv")
    assert result.returncode == 1
    assert f"{path}: the file is damaged at message {first + 1:,}" in result.stderr
    assert f"from {total - lost:,} messages" in result.stderr  # those read, not all
    assert len(result.stdout.splitlines()) - 1 == len(implied_changes(intact.documents(readable)))


def test_a_replay_of_a_garbled_file_plays_and_seeks_alike_over_the_lost_messages(
    intact: Intact, garbled: tuple[Path, int]
) -> None:
    """Lost messages are skipped; the next checkpoint of the file (taken when they were
    recorded) puts the state right again, whether the replay plays or seeks there."""
    path, middle = garbled
    reader = SessionReader(path)
    player = Player(reader)
    player.advance()
    assert player.position == len(intact.messages)
    assert reader.damage is not None
    first, lost = reader.damage.first_seq, reader.damage.lost
    assert lost is not None and first <= middle < first + lost
    saved = reader.checkpoints()
    after = min(p for p in saved if p > first)
    assert after > first + lost + 2

    unreadable = {(m.partition, m.offset) for m in intact.messages[first : first + lost]}

    def readable(state: MonitorState) -> dict[str, object]:
        # Rejected messages the damage took cannot be listed (they are counted all the same).
        seen = picture(state)
        seen["rejections"] = [
            r for r in state.rejections if (r.message.partition, r.message.offset) not in unreadable
        ]
        return seen

    def expected(position: int) -> dict[str, object]:
        # The file's last checkpoint since the damage has the state with the lost messages.
        whole = max((p for p in saved if first < p <= position), default=first)
        seqs = [s for s in range(position) if s < whole or not first <= s < first + lost]
        state = MonitorState()
        state.apply(Batch(tuple(intact.decoded[s] for s in seqs)))
        return readable(state)

    # Played message by message (the lost ones are stepped over: no stop among them)...
    targets = [first - 2, first, first + lost + 3, after - 1, after, after + 9]
    playing = Player(SessionReader(path))
    for target in targets:
        while playing.position < target:
            playing.step()
        assert playing.position == target
        assert picture(playing.state) == expected(target), f"played to {target}"
    # ... and sought to, backwards too, and into the lost stretch.
    for target in [len(intact.messages), *reversed(targets), first + lost // 2]:
        player.seek(target)
        assert player.position == target
        assert picture(player.state) == expected(target), f"seek({target})"
    # Past that checkpoint, nothing of the damage remains.
    player.seek(after + 9)
    whole = MonitorState()
    whole.apply(Batch(tuple(intact.decoded[: after + 9])))
    assert picture(player.state) == readable(whole)


def test_an_interrupted_file_is_read_whole(intact: Intact, tmp_path: Path) -> None:
    """No end mark (as after kill -9) is no damage: all of it reads, exit 0."""
    path = tmp_path / "interrupted.evtui"
    shutil.copy(intact.path, path)
    with sqlite3.connect(path) as db:
        db.execute("DELETE FROM session WHERE key = 'ended_at'")
    db.close()
    code, printed, stderr, read = tail(path)
    assert code == 0, stderr
    assert read == len(intact.messages)
    assert printed == intact.documents(range(read))
    assert SessionReader(path).info.interrupted


def foreign_files(tmp: Path, intact: Intact) -> dict[str, tuple[Path, str]]:
    """Files that are no session evtui can read, and what it must say about each."""
    text = tmp / "notes.evtui"
    text.write_text("these are not the messages you are looking for\n")
    other = tmp / "other.sqlite"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE things (x)")
    db.close()
    newer = tmp / "newer.evtui"
    shutil.copy(intact.path, newer)
    with sqlite3.connect(newer) as db:
        db.execute(
            "UPDATE session SET value = ? WHERE key = 'format_version'", (str(FORMAT_VERSION + 1),)
        )
    db.close()
    garbage = tmp / "garbage.evtui"
    garbage.write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 64)
    empty = tmp / "empty.evtui"
    empty.touch()
    return {
        "text": (text, "is not an evtui session (not an SQLite file)"),
        "empty": (empty, "is not an evtui session (not an SQLite file)"),
        "sqlite": (other, "is an SQLite file but not an evtui session"),
        "newer": (newer, f"was written by a newer evtui (session format {FORMAT_VERSION + 1})"),
        "garbage": (garbage, "cannot open"),
    }


@pytest.mark.parametrize("kind", ["text", "empty", "sqlite", "newer", "garbage"])
def test_a_file_that_is_no_readable_session_gets_one_clear_line(
    intact: Intact, tmp_path: Path, kind: str
) -> None:
    path, says = foreign_files(tmp_path, intact)[kind]
    # A .evtui file is meant as a session: `tail` and `record` read it as none, not as a
    # payload file that holds nothing valid.
    commands = [["export", str(path)], ["replay", str(path)], ["tail", "--source", str(path)]]
    commands.append(["record", "--source", str(path), "-o", str(tmp_path / "out.evtui")])
    for command in commands:
        result = evtui(*command)
        assert result.returncode == 1, (command, result.stderr)
        assert "Traceback" not in result.stderr
        errors = [line for line in result.stderr.splitlines() if line.startswith("evtui: ")]
        assert len(errors) == 1, result.stderr
        assert says in errors[0] and str(path) in errors[0]
        assert result.stdout == ""
    assert not (tmp_path / "out.evtui").exists()
    if kind == "newer":
        assert "upgrade evtui" in errors[0]


def test_a_garbled_time_index_still_finds_times(intact: Intact, tmp_path: Path) -> None:
    """The index that finds a time is damaged: seeking by time reads the messages instead."""
    path = tmp_path / "index.evtui"
    shutil.copy(intact.path, path)
    with sqlite3.connect(path) as db:
        page_size = db.execute("PRAGMA page_size").fetchone()[0]
    db.close()
    data = bytearray(path.read_bytes())
    garbled = 0
    for start in range(page_size, len(data), page_size):
        if data[start] == 0x0A:  # a leaf page of an index: the only index is by time
            data[start : start + page_size] = b"\xff" * page_size
            garbled += 1
    assert garbled > 0
    path.write_bytes(bytes(data))

    messages = intact.messages
    reader = SessionReader(path)
    assert reader.count == len(messages)
    for seq in (0, 5, len(messages) // 3, len(messages) - 1):
        at = messages[seq].received_at
        assert reader.seq_after(at) == sum(1 for m in messages if m.received_at <= at)
    player = Player(reader)
    at = messages[700].received_at + 0.1
    player.seek_time(at)
    received = sum(1 for m in messages if m.received_at <= at)
    assert player.position == received
    state = MonitorState()
    state.apply(Batch(tuple(intact.decoded[:received])))
    assert picture(player.state) == picture(state)


def test_a_file_cut_short_knows_its_readable_end_and_plays_to_it_in_real_time(
    intact: Intact, tmp_path: Path
) -> None:
    """The listing says damaged and gives the time of the last readable message; playing at
    a finite speed reaches it (it used to stall at the first message's time)."""
    data = intact.path.read_bytes()
    path = tmp_path / "cut.evtui"
    path.write_bytes(data[: int(len(data) * 0.6)])
    with SessionReader(path) as reader:
        info = reader.info
        assert info.damaged
        assert info.first_at is not None and info.last_at is not None
        assert info.last_at > info.first_at
        player = Player(reader)
        for _ in range(400):
            if player.at_end:
                break
            # Ten minutes of session time a step: 48 h of session in fewer than 300 steps.
            player.play(600.0, 1.0, idle_limit=None, limit=100_000)
        assert player.at_end
        assert player.clock >= info.last_at
    listing = evtui("sessions", str(tmp_path))
    assert listing.returncode == 0
    assert re.search(r"damaged\s+.*cut\.evtui", listing.stdout), listing.stdout


def test_the_sessions_command_reads_a_file_asked_about_through_and_says_where_it_broke(
    garbled: tuple[Path, int],
) -> None:
    # The listing reads a file's ends (a garbled page in the middle looks complete there);
    # asked about one file, it reads every message.
    path, middle = garbled
    with SessionReader(path) as reader:
        assert not reader.info.damaged
    done = evtui("sessions", str(path))
    assert done.returncode == 1, done.stderr  # as `tail` and `export` of it end
    row, said = done.stdout.splitlines()[2:]
    assert re.search(r"\bdamaged\s+.*garbled\.evtui$", row), row
    found = re.match(r"The file is damaged at message ([\d,]+): ", said)
    assert found is not None, said
    assert int(found.group(1).replace(",", "")) - 1 <= middle
