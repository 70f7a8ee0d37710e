"""Recording the monitor's own state: the recording the monitor makes (`R`, `--record`) takes
its checkpoints from the state on screen, not from a second fold, and a process of its own
writes the file. A replay must still show what the monitor showed, seek exactly, and the file
must hold every batch the monitor was told is written."""

from __future__ import annotations

import itertools
import os
import pickle
import random
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest

import evtui.recording.background as background
import evtui.recording.recorder as recorder_module
from evtui.defaults import EV_CATALOG, EV_LAYER
from evtui.model import Batch, MonitorState
from evtui.model.state import DELTA_VERSION
from evtui.recording import Player, Recorder, SessionError, SessionOrigin, SessionReader
from evtui.recording.background import BackgroundWriter
from tests.recording.helpers import batches, network_messages, picture

ORIGIN = SessionOrigin("synthetic network, seed 3", "demo", EV_CATALOG, EV_LAYER)
LAG = 0.7
"""The monitor's clock runs this far behind receive times: its activity graph counts at its
clock, a replay's at receive times, so the recording must keep the replay's."""


def shown(state: MonitorState, replayed: bool = True) -> dict[str, object]:
    """What a replay of the recording must show at the same place: the state's picture with
    the activity a replay counts, without the rejected messages kept from before."""
    seen = picture(state)
    if replayed and state.replayed is not None:
        seen["activity"] = state.replayed.buckets()
    del seen["rejections"]
    return seen


def monitor_records(
    path: Path, before: Sequence[Batch], during: Sequence[Batch]
) -> tuple[MonitorState, dict[int, dict[str, object]]]:
    """Apply `before` as the monitor does, start recording, apply and record `during`; the
    live state, and what it showed after each recorded batch (by messages recorded)."""
    state = MonitorState()
    for batch in before:
        state.apply(batch, batch.items[-1].message.received_at - LAG)
    recorder = Recorder.create(path, ORIGIN, live=state)
    views = {0: shown(state)}
    recorded = 0
    for batch in during:
        batch = recorder.in_time_order(batch)
        result = state.apply(batch, batch.items[-1].message.received_at - LAG)
        recorder.record(batch, result)
        recorded += len(batch)
        views[recorded] = shown(state)
    recorder.close()
    assert state.replayed is None  # counted only while recording
    return state, views


@pytest.fixture
def small_checkpoints(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(recorder_module, "CHECKPOINT_EVERY", 400)
    monkeypatch.setattr(recorder_module, "DELTA_EVERY", 90)


@pytest.mark.usefixtures("small_checkpoints")
@pytest.mark.parametrize(
    "ring_bytes",
    [
        None,
        # Room for a batch's documents and fields, not for a checkpoint: the checkpoints' requests
        # go through the pipe while the batches beside them go through the ring.
        25_000,
    ],
)
def test_a_recording_begun_mid_session_replays_what_the_monitor_showed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ring_bytes: int | None
) -> None:
    if ring_bytes is not None:
        monkeypatch.setattr(background, "RING_BYTES", ring_bytes)
    messages = network_messages(hours=30)
    polls = list(batches(messages))
    path = tmp_path / "live.evtui"
    state, views = monitor_records(path, polls[:20], polls[20:])

    reader = SessionReader(path)
    if ring_bytes is not None:  # the state as the recording began did not fit the ring
        assert len(pickle.dumps(reader.checkpoint(0))) > ring_bytes
    assert reader.count == sum(len(b) for b in polls[20:])
    saved = reader.checkpoints()
    # The state as the recording began, then full checkpoints and deltas from the live state.
    assert saved[0] == 0 and len(saved) >= 6
    versions = {seq: (reader.checkpoint(seq) or {}).get("version") for seq in saved}
    # Whole ones the writer process took from its own copy, besides the first.
    assert sum(v != DELTA_VERSION for seq, v in versions.items() if seq) >= 1
    assert sum(v == DELTA_VERSION for v in versions.values()) >= 3

    player = Player(reader)
    assert shown(player.state) == views[0]
    assert player.state.store.evse_count > 0  # the monitor's state, not an empty one
    player.advance()
    assert shown(player.state) == views[reader.count]
    assert shown(player.state) == shown(state, replayed=False) | {
        "activity": views[reader.count]["activity"]
    }

    # Seeks land exactly where playing through does, whichever checkpoint they start from.
    targets = sorted(views)
    rng = random.Random(5)
    for target in [*reversed(targets), *rng.choices(targets, k=25), 0]:
        player.seek(target)
        assert shown(player.state) == views[target], f"after seek({target})"


def test_the_monitor_s_activity_graph_is_its_own_the_recording_keeps_the_replay_s(
    tmp_path: Path,
) -> None:
    """The check above means something only if the two activities differ."""
    polls = list(batches(network_messages(hours=6)))
    state = MonitorState()
    for batch in polls[:5]:
        state.apply(batch, batch.items[-1].message.received_at - LAG)
    recorder = Recorder.create(tmp_path / "a.evtui", ORIGIN, live=state)
    for batch in polls[5:]:
        recorder.record(batch, state.apply(batch, batch.items[-1].message.received_at - LAG))
    assert state.replayed is not None
    assert state.replayed.buckets() != state.activity.buckets()
    recorder.close()


def test_a_recording_from_the_first_message_starts_from_nothing(tmp_path: Path) -> None:
    polls = list(batches(network_messages(hours=6)))
    path = tmp_path / "first.evtui"
    _, views = monitor_records(path, [], polls)
    with SessionReader(path) as reader:
        assert 0 not in reader.checkpoints()
        player = Player(reader)
        assert player.state.store.evse_count == 0
        player.advance()
        assert shown(player.state) == views[reader.count]


def test_a_clock_stepping_back_is_taken_alike_by_the_monitor_and_the_recording(
    tmp_path: Path,
) -> None:
    messages = network_messages(locations=8, hours=12)
    step = len(messages) // 2
    stepped = [
        replace(m, received_at=m.received_at - 300) if i >= step else m
        for i, m in enumerate(messages)
    ]
    polls = list(batches(stepped))
    path = tmp_path / "stepped.evtui"
    _, views = monitor_records(path, polls[:3], polls[3:])
    with SessionReader(path) as reader:
        player = Player(reader)
        player.advance()
        assert shown(player.state) == views[reader.count]


def test_the_file_holds_what_the_writer_says_is_written(tmp_path: Path) -> None:
    polls = list(batches(network_messages(hours=12), size=50))
    state = MonitorState()
    path = tmp_path / "w.evtui"
    recorder = Recorder.create(path, ORIGIN, live=state)
    assert isinstance(recorder.writer, BackgroundWriter)
    for batch in polls:
        recorder.record(batch, state.apply(batch))
        written = recorder.written()
        assert written <= recorder.messages
        with SessionReader(path) as reader:
            # Read while it is written: at least what it said, and only whole batches.
            assert reader.count >= written
            assert reader.count % 50 == 0 or reader.count == recorder.messages
    assert recorder.flush() == recorder.messages == sum(len(b) for b in polls)
    recorder.close()
    with SessionReader(path) as reader:
        assert reader.count == recorder.messages
        assert not reader.info.interrupted


def test_the_writer_process_runs_this_evtui_whatever_the_working_directory_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Recording from inside another checkout of evtui (an older version, say): the writer
    # process must not import that one.
    other = tmp_path / "checkout"
    (other / "evtui").mkdir(parents=True)
    (other / "evtui" / "__init__.py").write_text("raise SystemExit('another evtui')\n")
    monkeypatch.chdir(other)
    polls = list(batches(network_messages(hours=2), size=50))
    state = MonitorState()
    recorder = Recorder.create(tmp_path / "s.evtui", ORIGIN, live=state)
    for batch in polls:
        recorder.record(batch, state.apply(batch))
    recorder.close()
    with SessionReader(tmp_path / "s.evtui") as reader:
        assert reader.count == sum(len(b) for b in polls) > 0
        assert reader.damage is None


def test_a_monitor_killed_while_recording_leaves_every_batch_it_saw_written(
    tmp_path: Path,
) -> None:
    """The writer process outlives the monitor long enough to write what it was handed: the
    session holds at least every batch the monitor heard was written, whole ones only, and
    shows as interrupted."""
    path = tmp_path / "killed.evtui"
    script = textwrap.dedent(
        f"""
        import os, signal, sys
        from pathlib import Path
        from evtui.model import MonitorState
        from evtui.recording import Recorder, SessionOrigin
        from tests.recording.helpers import batches, network_messages
        state = MonitorState()
        recorder = Recorder.create(Path({str(path)!r}), SessionOrigin("t", "demo"), live=state)
        recorder.flush()
        for n, batch in enumerate(batches(network_messages(hours=24), size=40)):
            recorder.record(batch, state.apply(batch))
            if n == 30:
                print(recorder.written(), recorder.messages, flush=True)
                os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parents[2],
        timeout=120,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    written, handed = map(int, proc.stdout.split())
    assert handed == 31 * 40
    # The writer may still be finishing: it leaves once the pipe is drained.
    deadline = time.monotonic() + 30
    while not _writer_gone(path) and time.monotonic() < deadline:
        time.sleep(0.1)
    with SessionReader(path) as reader:
        assert reader.info.interrupted
        assert written <= reader.count <= handed
        assert reader.count % 40 == 0
        assert sum(len(chunk) for chunk in reader.read()) == reader.count


def _writer_gone(path: Path) -> bool:
    found = subprocess.run(
        ["pgrep", "-f", f"evtui.recording.background {path}"], capture_output=True, text=True
    )
    return found.returncode != 0


def test_a_writer_that_cannot_create_its_file_says_so_at_once(tmp_path: Path) -> None:
    path = tmp_path / "taken.evtui"
    path.write_bytes(b"somebody's file")
    with pytest.raises(SessionError, match="already exists"):
        Recorder.create(path, ORIGIN, live=MonitorState())
    assert path.read_bytes() == b"somebody's file"


def test_a_recorder_of_the_live_state_wants_what_it_applied(tmp_path: Path) -> None:
    state = MonitorState()
    recorder = Recorder.create(tmp_path / "x.evtui", ORIGIN, live=state)
    batch = next(batches(network_messages(hours=1)))
    with pytest.raises(ValueError, match="applied"):
        recorder.record(batch)
    recorder.close()


@pytest.mark.skipif(not hasattr(os, "SCHED_BATCH"), reason="Linux's scheduling policies")
def test_the_writer_process_does_not_take_the_monitor_s_core_when_woken(tmp_path: Path) -> None:
    # Of the usual policy, woken by each request beside the monitor, it ran its whole batch
    # on the monitor's core first: 1.1 ms a batch of 100 on the monitor's thread.
    state = MonitorState()
    recorder = Recorder.create(tmp_path / "batch.evtui", ORIGIN, live=state)
    try:
        assert isinstance(recorder.writer, BackgroundWriter)
        recorder.flush()  # the process has started and opened the file
        assert os.sched_getscheduler(recorder.writer.pid) == os.SCHED_BATCH
        assert os.sched_getscheduler(0) != os.SCHED_BATCH  # the monitor's own is left alone
    finally:
        recorder.close()


@pytest.mark.usefixtures("small_checkpoints")
@pytest.mark.parametrize(
    ("held", "idle"),
    [(1, False), (300, False), (10**9, False), (10**9, True)],
    ids=["each", "a few", "all", "when idle"],
)
def test_the_writer_s_whole_checkpoints_do_not_depend_on_when_it_applied_the_deltas(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, held: int, idle: bool
) -> None:
    # The writer process brings its copy of the state up to date at a whole checkpoint, or
    # sooner once the deltas it holds are many, or when it is idle: the whole checkpoint is
    # the same either way.
    polls = list(batches(network_messages(hours=30)))
    path = tmp_path / "live.evtui"
    monitor_records(path, polls[:20], polls[20:])
    with SessionReader(path) as reader:
        saved = [reader.checkpoint(seq) or {} for seq in reader.checkpoints()]
    # The state as the recording began, and the deltas taken against it one after another
    # (up to the writer's first whole checkpoint, which stands in place of the next delta).
    base, after = saved[0], saved[1:]
    deltas = list(itertools.takewhile(lambda c: c.get("version") == DELTA_VERSION, after))
    assert len(deltas) >= 3
    expected = picture(MonitorState.restore(base, deltas=deltas))

    monkeypatch.setattr(background, "HELD_CHANGES", held)
    shadow = background._Shadow(MonitorState(), None)
    assert shadow.keep(base, whole=False) is base
    for n, delta in enumerate(deltas[:-1]):
        assert shadow.keep(delta, whole=False) is delta  # written as it came
        if idle and n % 2:
            shadow.catch_up()
            assert not shadow.deltas
    whole = shadow.keep(deltas[-1], whole=True)
    assert whole.get("version") != DELTA_VERSION
    assert picture(MonitorState.restore(whole)) == expected
