"""A session cut in half whose checkpoint row outlived its messages (as `head -c` of a demo
recording leaves it): the count, the times, the damage message and the seeks all cover what
is readable, and agree with one another."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from evtui.model import Batch, MonitorState
from evtui.recording import Player, SessionReader, parse_goto
from evtui.units import duration_text
from tests.recording.helpers import Intact, evtui, picture


@pytest.fixture(scope="module")
def intact(tmp_path_factory: pytest.TempPathFactory) -> Intact:
    # One checkpoint, late in the session: its row sits on an early page of the file.
    return Intact(tmp_path_factory.mktemp("intact") / "s.evtui", checkpoint_every=2000)


@pytest.fixture(scope="module")
def half(intact: Intact, tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = intact.path.read_bytes()
    path = tmp_path_factory.mktemp("half") / "half.evtui"
    path.write_bytes(data[: len(data) // 2])
    return path


def readable_seqs(path: Path) -> list[int]:
    with SessionReader(path) as reader:
        return [seq for chunk in reader.read() for seq, _ in chunk]


def test_the_cut_keeps_a_checkpoint_row_past_the_readable_messages(half: Path) -> None:
    """The case the other tests stand on: the file still names a checkpoint whose messages
    (and state) are gone."""
    seqs = readable_seqs(half)
    db = sqlite3.connect(half)
    db.execute("PRAGMA writable_schema=ON")
    (checkpoint,) = db.execute("SELECT max(seq) FROM checkpoints").fetchone()
    db.close()
    assert checkpoint > max(seqs) + 100


def test_a_half_cut_session_counts_and_times_what_is_readable(
    intact: Intact, half: Path
) -> None:
    seqs = readable_seqs(half)
    extent = max(seqs) + 1
    first, last = intact.messages[0].received_at, intact.messages[extent - 1].received_at
    with SessionReader(half) as reader:
        info = reader.info
        assert info.damaged
        assert info.messages == extent
        assert (info.first_at, info.last_at) == (first, last)
        player = Player(reader)
        assert player.total == extent
        assert (player.start_time, player.end_time) == (first, last)
    listing = evtui("sessions", str(half.parent))
    assert listing.returncode == 0, listing.stderr
    line = next(x for x in listing.stdout.splitlines() if x.endswith("half.evtui"))
    length = re.escape(duration_text(last - first, nearest=True))
    assert re.search(rf"{length}\s+{extent:,}\s", line), line
    assert "damaged" in line


def test_the_damage_message_says_where_it_broke_and_how_much_was_read(
    intact: Intact, half: Path
) -> None:
    seqs = readable_seqs(half)
    extent = max(seqs) + 1
    broke = min(set(range(extent + 1)) - set(seqs))
    result = evtui("tail", "--source", str(half), "--format", "jsonl")
    assert result.returncode == 1
    summary = re.search(r"evtui tail: ([\d,]+) payloads?, ([\d,]+) rejected", result.stderr)
    assert summary is not None, result.stderr
    assert sum(int(n.replace(",", "")) for n in summary.groups()) == len(seqs)
    assert f"damaged at message {broke + 1:,}:" in result.stderr
    assert re.search(rf"\b{len(seqs):,} messages (before it )?are readable", result.stderr), (
        result.stderr
    )
    assert f"cut short after message {extent:,}" in result.stderr or broke == extent
    with SessionReader(half) as reader:
        # Replaying says the same as reading through.
        player = Player(reader)
        player.advance()
        assert player.position == extent
        assert reader.damage is not None
        assert reader.damage.describe() in result.stderr
    assert len(seqs) < len(intact.messages)


@pytest.mark.parametrize("percent", [10, 35, 90])
def test_a_seek_into_the_readable_part_lands_on_the_message_received_then(
    intact: Intact, half: Path, percent: int
) -> None:
    seqs = readable_seqs(half)
    with SessionReader(half) as reader:
        player = Player(reader)
        player.advance()  # from the end back, as after `g` in a replay that has played out
        at = parse_goto(f"{percent}%", player.start_time, player.end_time, player.clock)
        player.seek_time(at)
        received = [s for s in seqs if intact.messages[s].received_at <= at]
        position = max(received) + 1
        assert player.position == position
        assert player.clock == at
        state = MonitorState()
        state.apply(Batch(tuple(intact.decoded[s] for s in received)))
        assert picture(player.state) == picture(state)
        # And a seek by position, forwards from there.
        player.seek(position + 7)
        state.apply(
            Batch(tuple(intact.decoded[s] for s in seqs if position <= s < position + 7))
        )
        assert player.position == position + 7
        assert picture(player.state) == picture(state)
        # The timeline's end is the end of the replay: every readable message applied.
        player.seek_time(parse_goto("100%", player.start_time, player.end_time, player.clock))
        assert player.position == player.total
        assert player.at_end


def test_the_damage_message_counts_one_readable_message_as_one() -> None:
    from evtui.recording.damage import Damage

    one = Damage(1, 0, "database disk image is malformed", cut=1).describe()
    assert one.endswith(": the message before it is readable, the rest is lost")
    many = Damage(1019, 0, "database disk image is malformed", cut=1019).describe()
    assert "the 1,019 messages before it are readable, the rest is lost" in many


def test_a_file_missing_only_its_last_bytes_says_so_and_reads_to_its_cut(
    intact: Intact, tmp_path: Path
) -> None:
    """A copy that stopped a few kB short of its end. The table then still answers, wrongly:
    here it counted one message, so the listing said complete and `tail` played one."""
    path = tmp_path / "end.evtui"
    path.write_bytes(intact.path.read_bytes()[:-3000])
    listing = evtui("sessions", str(tmp_path))
    line = next(x for x in listing.stdout.splitlines() if x.endswith("end.evtui"))
    assert re.search(r"\bdamaged\s", line), line
    # Asked about alone, it is read through, says where it broke, and fails as `tail` does.
    done = evtui("sessions", str(path))
    assert done.returncode == 1
    cut = re.search(r"cut short there: the ([\d,]+) messages before it are readable", done.stdout)
    assert cut is not None, done.stdout
    readable = int(cut.group(1).replace(",", ""))
    assert len(intact.messages) * 0.9 < readable < len(intact.messages)
    played = evtui("tail", "--source", str(path), "--format", "jsonl")
    assert played.returncode == 1
    summary = re.search(r"evtui tail: ([\d,]+) payloads?, ([\d,]+) rejected", played.stderr)
    assert summary is not None, played.stderr
    assert sum(int(n.replace(",", "")) for n in summary.groups()) == readable
    assert f"the {readable:,} messages before it are readable" in played.stderr
    # The intact file it was cut from is complete, and asked about alone, exits 0.
    whole = evtui("sessions", str(intact.path))
    assert whole.returncode == 0 and re.search(r"\bcomplete\s", whole.stdout), whole.stdout
