"""Inputs a user gets a little wrong: a file given twice, a directory where a file was
asked for, the wrong directory, a file cut to its first kilobyte. Each is taken as meant or
said plainly, never answered with a report of nothing."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

from tests.conftest import evtui


def demo_session(path: Path) -> Path:
    done = evtui("record", "--source", "demo", "--limit", "40", "-o", str(path))
    assert done.returncode == 0, done.stderr
    return path


def test_record_into_a_directory_makes_a_session_file_in_it(tmp_path: Path) -> None:
    done = evtui("record", "--source", "demo", "--limit", "5", "-o", str(tmp_path))
    assert done.returncode == 0, done.stderr
    [made] = tmp_path.glob("*.evtui")
    assert re.fullmatch(r"\d{8}-\d{6}-demo\.evtui", made.name)
    assert f"to {made}" in done.stderr
    listed = evtui("sessions", str(tmp_path))
    assert re.search(rf"\s5\s.*complete\s.*{made.name}$", listed.stdout, re.M), listed.stdout


def test_a_session_given_twice_is_read_once(tmp_path: Path) -> None:
    session = demo_session(tmp_path / "s.evtui")
    once = evtui("report", str(session), "--by", "evse", "--format", "jsonl")
    assert once.returncode == 0, once.stderr
    twice = evtui("report", str(session), str(tmp_path / "." / "s.evtui"), "--by", "evse",
                  "--format", "jsonl")  # fmt: skip
    assert twice.returncode == 0, twice.stderr
    assert f"evtui report: {tmp_path / '.' / 's.evtui'} is given twice: read once" in twice.stderr
    assert "a copy of" not in twice.stderr
    assert [json.loads(r) for r in twice.stdout.splitlines()] == [
        json.loads(r) for r in once.stdout.splitlines()
    ]


def test_compacting_a_directory_that_is_no_archive_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not an archive\n")
    done = evtui("archive", "--compact", str(tmp_path))
    assert done.returncode == 1
    assert f"{tmp_path}: not an evtui archive (none of status_changes, " in done.stderr
    assert "compacted" not in done.stderr and sorted(p.name for p in tmp_path.iterdir()) == [
        "notes.txt"
    ]


def test_a_session_cut_to_its_first_kilobytes_is_said_to_be_cut(tmp_path: Path) -> None:
    session = demo_session(tmp_path / "s.evtui")
    for size in (100, 1000, 5000):  # (was: "malformed", then "not an evtui session")
        tiny = tmp_path / f"tiny{size}.evtui"
        tiny.write_bytes(session.read_bytes()[:size])
        done = evtui("sessions", str(tiny))
        assert done.returncode == 1
        assert "is cut short (an SQLite file shorter than its header says)" in done.stdout
        assert "not an evtui session" not in done.stdout and "malformed" not in done.stdout
        # Reading it leaves nothing beside it (it left an empty log and its index).
        for command in (["report", str(tiny)], ["export", str(tiny)], ["sessions", str(tmp_path)]):
            evtui(*command)
        assert sorted(p.name for p in tmp_path.glob(f"tiny{size}.evtui*")) == [tiny.name]
    # An SQLite file of someone else's, whole, is still told apart from it.
    other = tmp_path / "other.evtui"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    assert "is an SQLite file but not an evtui session" in evtui("sessions", str(other)).stdout


def test_record_into_a_folder_that_is_not_there_is_refused_as_export_is(tmp_path: Path) -> None:
    typo = tmp_path / "sesions" / "s.evtui"
    done = evtui("record", "--source", "demo", "--limit", "5", "-o", str(typo))
    assert (done.returncode, done.stderr) == (1, f"evtui: -o {typo}: no folder {typo.parent}\n")
    assert not typo.parent.exists()


def test_record_into_a_folder_named_with_a_slash_is_no_file_of_that_name(tmp_path: Path) -> None:
    meant = f"{tmp_path / 'newdir'}/"
    done = evtui("record", "--source", "demo", "--limit", "3", "-o", meant)
    assert (done.returncode, done.stderr) == (1, f"evtui: -o {meant}: no folder {meant[:-1]}\n")
    assert not (tmp_path / "newdir").exists()
    (tmp_path / "newdir").mkdir()
    assert evtui("record", "--source", "demo", "--limit", "3", "-o", meant).returncode == 0
    assert len(list((tmp_path / "newdir").glob("*.evtui"))) == 1
