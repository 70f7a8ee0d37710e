"""Properties of the session reader over generated damage: a file cut anywhere or overwritten
anywhere is either refused with one clear `SessionError`, or read as far as it can be, and
replaying it never raises."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evtui.model import Accepted, Decoded, decode
from evtui.recording import Player, SessionError, SessionReader
from tests.recording.helpers import Intact


@pytest.fixture(scope="module")
def intact(tmp_path_factory: pytest.TempPathFactory) -> Intact:
    return Intact(tmp_path_factory.mktemp("intact") / "s.evtui", hours=6, checkpoint_every=100)


damage = st.lists(
    st.tuples(
        st.floats(0, 1),  # where, as a share of the file
        st.binary(min_size=1, max_size=600),  # what is written over it
    ),
    max_size=4,
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(cut=st.floats(0, 1), overwrites=damage, seeks=st.lists(st.floats(0, 1), max_size=3))
def test_a_damaged_file_is_refused_or_read_as_far_as_it_goes(
    intact: Intact,
    tmp_path: Path,
    cut: float,
    overwrites: list[tuple[float, bytes]],
    seeks: list[float],
) -> None:
    source, messages = intact.path, intact.messages
    data = bytearray(source.read_bytes())
    for where, junk in overwrites:
        at = int(where * len(data))
        data[at : at + len(junk)] = junk
    path = tmp_path / f"damaged-{abs(hash((cut, tuple(overwrites))))}.evtui"
    path.write_bytes(bytes(data[: max(1, int(cut * len(data)))] if cut < 1 else data))

    try:
        reader = SessionReader(path)
    except SessionError as exc:
        assert str(exc).startswith(str(path))  # one line naming the file
        return
    with reader:
        read = [seq for chunk in reader.read() for seq, _ in chunk]
        assert read == sorted(set(read)), "messages out of order or twice"
        assert all(0 <= seq < max(reader.count, 1) for seq in read)
        info = reader.info
        assert info.damaged == (reader.damage is not None)
        if reader.damage is not None:
            assert reader.damage.describe()
        player = Player(reader)
        for share in seeks:
            player.seek(int(share * player.total))
            player.play(3600.0, None, idle_limit=None, limit=500)
        player.seek(player.total)
        assert player.position <= max(player.total, len(messages))
    for leftover in tmp_path.glob(f"{path.name}*"):
        leftover.unlink()


def test_an_intact_file_reads_back_every_message(intact: Intact, tmp_path: Path) -> None:
    source, messages = intact.path, intact.messages
    path = tmp_path / "copy.evtui"
    shutil.copy(source, path)
    with SessionReader(path) as reader:
        read = [m for chunk in reader.read() for _, m in chunk]
        assert reader.damage is None
    assert [(m.partition, m.offset, m.key, m.timestamp) for m in read] == [
        (m.partition, m.offset, m.key, m.timestamp) for m in messages
    ]
    # Each decodes as it did live: the same document, byte for byte, or the same rejection.
    assert [outcome(decode(m)) for m in read] == [outcome(d) for d in intact.decoded]


def outcome(item: Decoded) -> tuple[object, ...]:
    if isinstance(item, Accepted):
        return ("accepted", item.document, item.payload)
    return ("rejected", item.reason, item.detail, item.message.data)
