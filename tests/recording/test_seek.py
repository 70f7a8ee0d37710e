"""Seeking in a replay lands on exactly the state playing the session from its start gives:
the counters, every EVSE's status and timeline, the event log, the activity graph and the
rejected messages. Checked against the plain fold of the recorded messages, through the
checkpoints saved in the file, those the player keeps in memory, and damaged ones."""

from __future__ import annotations

import sqlite3
import zlib
from collections.abc import Sequence
from dataclasses import replace
from itertools import accumulate, pairwise
from pathlib import Path

import pytest

import evtui.recording.player as player_module
import evtui.recording.recorder as recorder_module
from evtui.defaults import EV_CATALOG, EV_LAYER
from evtui.model import Batch, Decoded, MonitorState, StreamMessage, decode
from evtui.model.state import DELTA_VERSION
from evtui.recording import Player, Recorder, SessionOrigin, SessionReader
from evtui.recording.packing import pack_state, unpack_state
from tests.recording.helpers import (
    batches,
    document_of,
    network_messages,
    picture,
    record_session,
)


@pytest.fixture(scope="module")
def messages() -> list[StreamMessage]:
    """About 2,300 messages of 16 locations over two days, some malformed."""
    return network_messages(hours=48)


@pytest.fixture(scope="module")
def decoded(messages: list[StreamMessage]) -> list[Decoded]:
    return [decode(m) for m in messages]


def folded(decoded: Sequence[Decoded], count: int, max_events: int = 10_000) -> dict[str, object]:
    """The state after the first `count` messages: their plain fold, in polls of 50."""
    state = MonitorState(max_events=max_events)
    for start in range(0, count, 50):
        state.apply(Batch(tuple(decoded[start : min(count, start + 50)])))
    return picture(state)


def use_checkpoints(
    monkeypatch: pytest.MonkeyPatch, *, recorded: int, in_memory: int, deltas: int = 10**9
) -> None:
    """Full checkpoints every `recorded` messages in the file (and deltas every `deltas`),
    and every `in_memory` in the player's memory."""
    monkeypatch.setattr(recorder_module, "CHECKPOINT_EVERY", recorded)
    monkeypatch.setattr(recorder_module, "DELTA_EVERY", deltas)
    monkeypatch.setattr(player_module, "CHECKPOINT_EVERY", in_memory)


def kinds(path: Path) -> dict[int, int | None]:
    """Each checkpoint of a session: the position of the one a delta builds on, None for a
    full one."""
    with SessionReader(path) as reader:
        found = {}
        for seq in reader.checkpoints():
            data = reader.checkpoint(seq)
            assert data is not None
            found[seq] = data.get("base") if data["version"] == DELTA_VERSION else None
    return found


def around(points: Sequence[int], total: int) -> list[int]:
    """Each point, one before and one after, within the session."""
    return sorted({p + d for p in points for d in (-1, 0, 1) if 0 <= p + d <= total})


@pytest.mark.parametrize(
    ("recorded", "in_memory", "deltas"),
    [
        (500, 500, 10**9),
        (10**9, 400, 10**9),
        (900, 300, 10**9),
        (900, 10**9, 150),
        (10**9, 10**9, 250),
    ],
    ids=["file checkpoints", "memory checkpoints only", "both", "with deltas", "deltas only"],
)
def test_seek_gives_the_state_of_playing_from_the_start(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    messages: list[StreamMessage],
    decoded: list[Decoded],
    recorded: int,
    in_memory: int,
    deltas: int,
) -> None:
    use_checkpoints(monkeypatch, recorded=recorded, in_memory=in_memory, deltas=deltas)
    path = tmp_path / "s.evtui"
    record_session(path, messages)
    if deltas < 10**9:
        # Deltas between the full checkpoints (from the empty state before the first one).
        found = kinds(path)
        assert sum(base is not None for base in found.values()) >= 5
        assert (None in found.values()) == (recorded < 10**9)
    reader = SessionReader(path)
    total = len(messages)
    assert reader.count == total
    saved = reader.checkpoints()
    if min(recorded, deltas) < 10**9:
        assert len(saved) >= 2
    else:
        assert saved == []

    player = Player(reader)
    player.advance()  # played through once: the player keeps its own checkpoints on the way
    assert player.at_end and player.position == total
    assert picture(player.state) == folded(decoded, total)
    # Past the file's last checkpoint, the player keeps its own: the test must exercise them.
    memos = sorted(player._memos)
    expected_memos = range(in_memory, total, in_memory)
    assert memos == [m for m in expected_memos if m > max(saved, default=0)]
    if in_memory < recorded:
        assert memos

    targets = [0, 1, 2, *around(saved, total), *around(memos, total), total - 1, total]
    # Backwards from the end, then forwards again, then jumping about.
    order = [*sorted(set(targets), reverse=True), *sorted(set(targets))]
    order += [targets[i] for i in (-1, 3, -4, 0, len(targets) // 2, 5)]
    for target in order:
        player.seek(target)
        assert player.position == target
        assert picture(player.state) == folded(decoded, target), f"after seek({target})"
        expected_clock = messages[target - 1].received_at if target else messages[0].received_at
        assert player.clock == expected_clock

    # And playing on from a seek goes on exactly.
    player.seek(saved[0] + 7 if saved else memos[0] + 7)
    player.advance(limit=250)
    assert picture(player.state) == folded(decoded, player.position)


def test_seek_time_lands_where_playing_until_that_time_does(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    messages: list[StreamMessage],
    decoded: list[Decoded],
) -> None:
    use_checkpoints(monkeypatch, recorded=500, in_memory=300)
    path = tmp_path / "s.evtui"
    record_session(path, messages)
    seeker = Player(SessionReader(path))
    start, end = seeker.start_time, seeker.end_time
    assert (start, end) == (messages[0].received_at, messages[-1].received_at)

    for fraction in (0.0, 0.1, 0.37, 0.5, 0.9, 0.05, 1.0, 0.6):
        # A fresh replay played at 2x from the start, in a few frames, to about `at`...
        goal = start + (end - start) * fraction
        playing = Player(SessionReader(path))
        steps = 7
        for _ in range(steps):
            playing.play((goal - start) / steps / 2, 2, idle_limit=None, limit=10**6)
        at = playing.clock
        assert at == pytest.approx(goal)
        # ... and the other one sent there at once.
        seeker.seek_time(at)
        received = sum(1 for m in messages if m.received_at <= at)
        assert seeker.position == playing.position == received
        assert seeker.clock == at
        assert picture(seeker.state) == picture(playing.state) == folded(decoded, received)

    # Beyond either end: the start, or the end.
    seeker.seek_time(end + 3600)
    assert seeker.position == len(messages)
    seeker.seek_time(start - 3600)
    assert seeker.position == sum(1 for m in messages if m.received_at <= start)


def test_a_replay_faster_than_it_can_apply_keeps_its_clock_with_the_messages_applied(
    tmp_path: Path, messages: list[StreamMessage]
) -> None:
    # At 100x, each frame may apply at most 25 messages: the clock (the time and the bar
    # the replay line shows) stays at the last one applied, not where 100x would be.
    path = tmp_path / "s.evtui"
    record_session(path, messages)
    player = Player(SessionReader(path))
    for _ in range(4):
        player.play(60.0, 100, idle_limit=None, limit=25)
        assert player.clock == messages[player.position - 1].received_at
    assert player.position == 100
    # Where the speed can be kept, the clock is the speed's: between messages.
    player.play(0.01, 1, idle_limit=None, limit=25)
    assert messages[player.position - 1].received_at <= player.clock
    assert player.clock < messages[player.position].received_at


def test_markers_are_jumped_to_in_order_and_land_on_their_state(
    tmp_path: Path, messages: list[StreamMessage], decoded: list[Decoded]
) -> None:
    path = tmp_path / "s.evtui"
    recorder = Recorder.create(path, SessionOrigin("test", "demo", EV_CATALOG, EV_LAYER))
    at_marks = {300: "first", 1100: "second", 1850: "third"}
    for batch in batches(messages, 50):
        position = recorder.messages
        if position in at_marks:
            recorder.mark(at_marks[position], messages[position - 1].received_at)
        recorder.record(batch)
    recorder.close()

    player = Player(SessionReader(path))
    assert [(m.seq, m.label, m.kind) for m in player.markers] == [
        (300, "first", "user"),
        (1100, "second", "user"),
        (1850, "third", "user"),
    ]
    assert player.marker_before() is None
    seen = []
    while (marker := player.marker_after()) is not None:  # ] ] ]
        player.seek(marker.seq, clock=marker.at)
        seen.append(marker.label)
        assert player.clock == marker.at == messages[marker.seq - 1].received_at
        assert picture(player.state) == folded(decoded, marker.seq)
    assert seen == ["first", "second", "third"]
    back = []
    while (marker := player.marker_before()) is not None:  # [ [
        player.seek(marker.seq, clock=marker.at)
        back.append(marker.label)
    assert back == ["second", "first"]
    assert picture(player.state) == folded(decoded, 300)
    # Between markers, [ and ] go to the neighbours.
    player.seek(1500)
    before, after = player.marker_before(), player.marker_after()
    assert before is not None and after is not None
    assert (before.label, after.label) == ("second", "third")


@pytest.mark.parametrize("damage", ["garbage", "cut short", "not a snapshot"])
def test_a_damaged_checkpoint_is_not_trusted(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    messages: list[StreamMessage],
    decoded: list[Decoded],
    damage: str,
) -> None:
    use_checkpoints(monkeypatch, recorded=500, in_memory=10**9)
    path = tmp_path / "s.evtui"
    record_session(path, messages)
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT seq, state FROM checkpoints ORDER BY seq").fetchall()
        assert len(rows) >= 3
        for seq, blob in rows[1:]:
            if damage == "garbage":
                bad = bytes(b ^ 0x5A for b in blob)
            elif damage == "cut short":
                bad = blob[: len(blob) // 2]
            else:
                bad = zlib.compress(b'{"version": 1, "evses": [["x"]]}')
            db.execute("UPDATE checkpoints SET state = ? WHERE seq = ?", (bad, seq))
    db.close()
    first, second, third = (seq for seq, _ in rows[:3])

    player = Player(SessionReader(path))
    for target in (second, third + 5, len(messages), first + 1, second + 1):
        player.seek(target)
        assert player.position == target
        assert picture(player.state) == folded(decoded, target), f"after seek({target})"


def _damage(path: Path, seqs: Sequence[int]) -> None:
    with sqlite3.connect(path) as db:
        for seq in seqs:
            (blob,) = db.execute("SELECT state FROM checkpoints WHERE seq = ?", (seq,)).fetchone()
            db.execute(
                "UPDATE checkpoints SET state = ? WHERE seq = ?", (blob[: len(blob) // 2], seq)
            )
    db.close()


@pytest.mark.parametrize("damaged", ["a delta", "the full one under deltas"])
def test_a_damaged_delta_checkpoint_falls_back_to_an_earlier_one(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    messages: list[StreamMessage],
    decoded: list[Decoded],
    damaged: str,
) -> None:
    """A delta builds on the checkpoint before it: when that one (or the delta) cannot be
    read, the seek starts from the last checkpoint before it that can, and is as exact."""
    use_checkpoints(monkeypatch, recorded=900, in_memory=10**9, deltas=150)
    path = tmp_path / "s.evtui"
    record_session(path, messages)
    found = kinds(path)
    fulls = [seq for seq, base in found.items() if base is None]
    assert len(fulls) >= 2
    chain = [seq for seq, base in found.items() if base is not None and fulls[0] < seq < fulls[1]]
    assert len(chain) >= 3
    # Each delta builds on the checkpoint just before it.
    positions = sorted(found)
    assert all(found[b] in (None, a) for a, b in pairwise(positions))
    assert found[positions[0]] == 0

    bad = chain[1] if damaged == "a delta" else fulls[0]
    _damage(path, [bad])
    # What the seek can no longer use: the damaged one and the deltas built on it.
    lost = [seq for seq in positions if bad <= seq < fulls[1]]
    usable = max(seq for seq in positions if seq < bad)

    player = Player(SessionReader(path))
    for target in (lost[-1] + 3, bad, bad + 1, lost[0] + 40, fulls[1] + 160, usable, 0):
        player.seek(target)
        assert player.position == target
        assert picture(player.state) == folded(decoded, target), f"after seek({target})"
    assert not set(lost) & set(player._saved)
    assert set(positions) - set(lost) <= set(player._saved)

    # Started from the last usable checkpoint: never from further back.
    restored: list[int] = []
    player = Player(SessionReader(path))
    load = player._load
    monkeypatch.setattr(player, "_load", lambda p: restored.append(p) or load(p))
    player.seek(lost[-1] + 3)
    assert restored[-1] == usable
    assert picture(player.state) == folded(decoded, lost[-1] + 3)


@pytest.mark.parametrize("deltas", [10**9, 150], ids=["full checkpoints", "with deltas"])
def test_a_replay_keeping_a_longer_log_than_the_recording_is_still_exact(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    messages: list[StreamMessage],
    decoded: list[Decoded],
    deltas: int,
) -> None:
    """Recorded with a 100-event log, replayed with a 10,000-event one (the user changed
    `event_log_size` in between): the file's later checkpoints hold too short a log."""
    use_checkpoints(monkeypatch, recorded=500, in_memory=400, deltas=deltas)
    path = tmp_path / "s.evtui"
    origin = SessionOrigin("test", "demo", EV_CATALOG, EV_LAYER)
    recorder = Recorder.create(path, origin, max_events=100)
    for batch in batches(messages):
        recorder.record(batch)
    recorder.close()
    total = len(messages)

    for max_events in (10_000, 60):
        player = Player(SessionReader(path), max_events=max_events)
        for target in (total, 1500, 400, 900, total - 3, 120):
            player.seek(target)
            expected = folded(decoded, target, max_events)
            assert picture(player.state) == expected, f"max_events {max_events}, seek({target})"


def test_a_session_with_nothing_in_it_replays_as_empty(tmp_path: Path) -> None:
    path = tmp_path / "empty.evtui"
    record_session(path, [])
    player = Player(SessionReader(path))
    assert player.total == 0 and player.at_end
    player.seek(10)
    player.seek_time(player.start_time + 60)
    assert player.position == 0
    assert picture(player.state) == picture(MonitorState())
    assert player.advance().updates == 0


def test_the_recorder_saves_a_checkpoint_every_so_many_messages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, messages: list[StreamMessage]
) -> None:
    """At the end of the poll that reaches CHECKPOINT_EVERY messages since the last one, or
    four times the network's EVSEs when that is more (a large network's state is large), or
    as many as keep checkpoints within CHECKPOINT_BYTES per message."""
    monkeypatch.setattr(recorder_module, "CHECKPOINT_EVERY", 100)
    monkeypatch.setattr(recorder_module, "CHECKPOINT_BYTES", 10**9)
    monkeypatch.setattr(recorder_module, "DELTA_EVERY", 10**9)
    path = tmp_path / "s.evtui"
    record_session(path, messages, size=37)
    evses = len({e["id"] for m in messages if (d := document_of(m)) for e in d["evses"]})
    every = max(100, 4 * evses)
    assert every > 100  # the network's size decides here
    with SessionReader(path) as reader:
        saved = reader.checkpoints()
    assert saved and all(p % 37 == 0 for p in saved)
    gaps = [b - a for a, b in zip([0, *saved], saved, strict=False)]
    assert all(every <= gap < every + 37 for gap in gaps[1:]), gaps
    assert len(messages) - saved[-1] < every + 37

    # With a budget of 8 bytes a message, the size of each checkpoint sets the next gap.
    monkeypatch.setattr(recorder_module, "CHECKPOINT_BYTES", 8)
    path = tmp_path / "budget.evtui"
    record_session(path, messages, size=37)
    with sqlite3.connect(path) as db:
        sizes = db.execute("SELECT seq, length(state) FROM checkpoints ORDER BY seq").fetchall()
    db.close()
    assert len(sizes) >= 2
    for (seq, size), (after, _) in pairwise(sizes):
        assert max(every, size // 8) <= after - seq < max(every, size // 8) + 37
    assert any(size // 8 > every for _, size in sizes)  # the budget decides here


def test_between_full_checkpoints_the_recorder_saves_small_deltas(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, messages: list[StreamMessage]
) -> None:
    """A delta every DELTA_EVERY messages, each on the checkpoint before it (the first on the
    empty state); full ones as often as without deltas, their spacing set by their own size."""
    monkeypatch.setattr(recorder_module, "CHECKPOINT_EVERY", 100)
    monkeypatch.setattr(recorder_module, "CHECKPOINT_BYTES", 8)
    monkeypatch.setattr(recorder_module, "DELTA_EVERY", 60)
    path = tmp_path / "s.evtui"
    record_session(path, messages, size=37)
    found = kinds(path)
    with sqlite3.connect(path) as db:
        sizes = dict(db.execute("SELECT seq, length(state) FROM checkpoints").fetchall())
    db.close()
    positions = sorted(found)
    fulls = [seq for seq in positions if found[seq] is None]
    assert len(fulls) >= 2 and len(positions) >= 3 * len(fulls)
    assert found[positions[0]] == 0 and positions[0] < fulls[0]
    for before, after in pairwise(positions):
        assert after % 37 == 0
        assert found[after] in (None, before)
        if found[after] is not None:
            assert 60 <= after - before < 60 + 37
    evses = len({e["id"] for m in messages if (d := document_of(m)) for e in d["evses"]})
    for before, after in pairwise(fulls):
        every = max(100, 4 * evses, sizes[before] // 8)
        assert every <= after - before < every + 37
    deltas = [sizes[seq] for seq in positions if found[seq] is not None]
    assert max(deltas) * 3 < min(sizes[seq] for seq in fulls[1:])


def test_a_clock_stepping_back_while_recording_does_not_confuse_seeking(tmp_path: Path) -> None:
    """The wall clock steps back five minutes a third of the way in (NTP): a replay plays
    those messages as received with the one before, and seeking by time agrees with it."""
    messages = network_messages(locations=8, hours=12)
    step = len(messages) // 3
    stepped = [
        replace(m, received_at=m.received_at - 300) if i >= step else m
        for i, m in enumerate(messages)
    ]
    path = tmp_path / "s.evtui"
    record_session(path, stepped)
    with SessionReader(path) as reader:
        times = [m.received_at for chunk in reader.read() for _, m in chunk]
    assert times == list(accumulate((m.received_at for m in stepped), max))

    seeker = Player(SessionReader(path))
    before_step = stepped[step - 1].received_at
    for at in (before_step - 100, before_step, before_step + 1, before_step + 250, times[-1] - 5):
        seeker.seek_time(at)
        playing = Player(SessionReader(path))
        playing.advance(until=at)
        assert seeker.position == playing.position > 0
        assert picture(seeker.state) == picture(playing.state)


def test_a_binary_snapshot_restores_the_state_a_json_one_does(
    messages: list[StreamMessage], decoded: list[Decoded]
) -> None:
    """Version 4 keeps the EVSEs' timelines as bytes (in the file, a second zlib stream after
    the JSON); version 2 as JSON lists. Both give the state back, and pack as the file keeps
    them."""
    state = MonitorState()
    for start in range(0, len(decoded), 50):
        state.apply(Batch(tuple(decoded[start : start + 50])))
    binary = state.snapshot(binary=True)
    assert binary["version"] == 4 and isinstance(binary["period_times"], bytes)
    assert state.snapshot()["version"] == 2
    packed = unpack_state(pack_state(binary))
    assert packed.keys() == binary.keys()
    assert all(packed[k] == v for k, v in binary.items() if isinstance(v, bytes | int | str))
    for data in (packed, state.snapshot()):
        assert picture(MonitorState.restore(data, state.rejections)) == picture(state)
    # And on top of either, a delta.
    mark = state.mark()
    more = network_messages(seed=4, hours=6)
    first_seen, changes = [], []
    for start in range(0, len(more), 50):
        result = state.apply(Batch(tuple(decode(m) for m in more[start : start + 50])))
        first_seen += result.first_seen
        changes += result.changes
    delta = unpack_state(pack_state(state.snapshot_delta(mark, first_seen, changes)))
    assert delta["version"] == DELTA_VERSION
    after = MonitorState.restore(packed, state.rejections, deltas=[delta])
    assert picture(after) == picture(state)


def test_a_checkpoint_whose_timelines_are_damaged_is_not_trusted(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    messages: list[StreamMessage],
    decoded: list[Decoded],
) -> None:
    use_checkpoints(monkeypatch, recorded=500, in_memory=10**9)
    path = tmp_path / "s.evtui"
    record_session(path, messages)
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT seq, state FROM checkpoints ORDER BY seq").fetchall()
        seq, blob = rows[1]
        # The JSON stream intact, the bytes after it not.
        db.execute("UPDATE checkpoints SET state = ? WHERE seq = ?", (blob[:-12], seq))
    db.close()
    player = Player(SessionReader(path))
    assert player.reader.checkpoint(seq) is None
    for target in (seq, seq + 3, rows[0][0] + 1):
        player.seek(target)
        assert picture(player.state) == folded(decoded, target)
