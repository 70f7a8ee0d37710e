"""Several sessions read as one stream (`merged`): in the order their messages were received."""

from __future__ import annotations

from pathlib import Path

from evtui.recording import SessionReader
from evtui.recording.merge import merged
from tests.archive.helpers import write_session
from tests.reliability.test_live import T0


def _session(path: Path, received: list[float]) -> Path:
    # Each message names its session and place in the EVSE id, to tell them apart read back.
    tag = path.stem
    return write_session(
        path, [(T0 + r, [("L", f"{tag}{n}", "AVAILABLE", T0)]) for n, r in enumerate(received)]
    )


def _order(paths: list[Path]) -> list[tuple[int, int, float]]:
    readers = [SessionReader(p) for p in paths]
    try:
        return [
            (index, seq, message.received_at - T0)
            for index, run in merged(readers)
            for seq, message in run
        ]
    finally:
        for reader in readers:
            reader.close()


def test_messages_of_overlapping_sessions_come_in_receive_order(tmp_path: Path) -> None:
    a = _session(tmp_path / "a.evtui", [1, 3, 3, 5])
    b = _session(tmp_path / "b.evtui", [2, 3, 4])
    # At 3 both received: the session listed first goes first, its own two in its order.
    assert _order([a, b]) == [
        (0, 0, 1), (1, 0, 2), (0, 1, 3), (0, 2, 3), (1, 1, 3), (1, 2, 4), (0, 3, 5),
    ]  # fmt: skip
    assert _order([b, a]) == [
        (1, 0, 1), (0, 0, 2), (0, 1, 3), (1, 1, 3), (1, 2, 3), (0, 2, 4), (1, 3, 5),
    ]  # fmt: skip


def test_sessions_apart_in_time_come_one_whole_after_the_other(tmp_path: Path) -> None:
    a = _session(tmp_path / "a.evtui", [float(n) for n in range(2500)])
    b = _session(tmp_path / "b.evtui", [3000.0, 3001.0])
    empty = _session(tmp_path / "empty.evtui", [])
    readers = [SessionReader(p) for p in (b, empty, a)]
    try:
        runs = [(index, len(run)) for index, run in merged(readers)]
    finally:
        for reader in readers:
            reader.close()
    # Listed last, the older session still comes first, in the reader's chunks of 2000.
    assert runs == [(2, 2000), (2, 500), (0, 2)]
