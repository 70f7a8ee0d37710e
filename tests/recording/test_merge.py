"""Several sessions read as one stream (`merged`): in the order their messages were received."""

from __future__ import annotations

import os
from pathlib import Path

from evtui.recording.merge import merged, survey
from tests.archive.helpers import write_session
from tests.reliability.test_live import T0


def _session(path: Path, received: list[float]) -> Path:
    return write_session(
        path, [(T0 + r, [("L", f"E{n}", "AVAILABLE", T0)]) for n, r in enumerate(received)]
    )


def _order(paths: list[Path]) -> list[tuple[str, int, float]]:
    sessions, problems = survey(paths)
    assert not problems
    return [
        (sessions[index].path.stem, seq, message.received_at - T0)
        for index, run in merged(sessions)
        for seq, message in run
    ]


def test_messages_of_overlapping_sessions_come_in_receive_order(tmp_path: Path) -> None:
    a = _session(tmp_path / "a.evtui", [1, 3, 3, 5])
    b = _session(tmp_path / "b.evtui", [2, 3, 4])
    # At 3 both received: the session begun first goes first, its own two in its order.
    expected = [
        ("a", 0, 1), ("b", 0, 2), ("a", 1, 3), ("a", 2, 3), ("b", 1, 3), ("b", 2, 4), ("a", 3, 5),
    ]  # fmt: skip
    assert _order([a, b]) == expected
    assert _order([b, a]) == expected  # (sessions are taken oldest first)


def test_sessions_apart_in_time_come_whole_one_open_at_a_time(tmp_path: Path) -> None:
    old = _session(tmp_path / "old.evtui", [float(n) for n in range(2500)])
    new = _session(tmp_path / "new.evtui", [3000.0, 3001.0])
    empty = _session(tmp_path / "empty.evtui", [])
    sessions, _ = survey([new, empty, old])
    names = [s.path.stem for s in sessions]

    def open_sessions() -> set[str]:
        fds = Path("/proc/self/fd")
        held = {os.path.realpath(fd) for fd in fds.iterdir() if fd.is_symlink()}
        return {s.path.stem for s in sessions if str(s.path.resolve()) in held}

    runs = []
    for index, run in merged(sessions):
        runs.append((names[index], len(run), sorted(open_sessions())))
    # The empty one ends as it opens (it has no time to wait for); then the older session, in
    # the reader's chunks of 2000, and its end (an empty run). Each file is open only while
    # it is being read.
    assert [(name, n) for name, n, _ in runs] == [
        ("empty", 0), ("old", 2000), ("old", 500), ("old", 0), ("new", 2), ("new", 0),
    ]  # fmt: skip
    assert [held for name, n, held in runs if n] == [["old"], ["old"], ["new"]]
    assert open_sessions() == set()
