"""What `evtui report` says beside its rows: how much of the window was observed, and
exclusions that exclude nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import evtui
from tests.reliability.test_report_command import DAY, T0, H, payloads, stamp


@pytest.fixture
def home(tmp_path: Path) -> dict[str, str]:
    return {"XDG_CACHE_HOME": str(tmp_path / "cache"), "XDG_CONFIG_HOME": str(tmp_path / "cfg")}


def test_a_window_mostly_unobserved_says_how_much_was_observed(
    tmp_path: Path, home: dict[str, str]
) -> None:
    # The day's data in a window of 4 days from its start: a, b and c observed 12 h each
    # (to the newest change, 20:00), of 96 h: 12.50 %. Its uptime is of those 12 hours.
    source = str(payloads(tmp_path, DAY))
    done = evtui("report", source, "--to", stamp(T0 + 96 * H), "--by", "network", env=home)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[2] == "12.50% of it observed, EVSE by EVSE: the figures are of that time"
    # The whole of the data's own window is observed: nothing said.
    whole = evtui("report", source, "--by", "network", env=home)
    assert "observed" not in whole.stdout and whole.stdout.splitlines()[2].startswith("network")


def test_exclusions_that_exclude_nothing_are_said(tmp_path: Path, home: dict[str, str]) -> None:
    source = str(payloads(tmp_path, DAY))
    typos = tmp_path / "typos.csv"
    typos.write_text(
        "id,from,to,cause\n"
        "onea,2026-11-26T10:00Z,2026-11-26T10:30Z,utility\n"  # not the id in full
        "here:evcp:evse:oneA,2026-11-26T10:00Z,2026-11-26T10:30Z,utility\n"  # its case
        "here:evcp:evse:onea,2026-11-26T10:00Z,2026-11-26T10:30Z,utility\n"
    )
    done = evtui("report", source, "--rules", "nevi", "--exclusions", str(typos), env=home)
    assert done.returncode == 0, done.stderr
    assert (
        "evtui report: --exclusions: 2 ids match no EVSE or location in the data (ids in "
        "full, as the stream spells them), so exclude nothing: here:evcp:evse:oneA, onea\n"
    ) in done.stderr
    # Each id right, and a year wrong: nothing of the window excluded, which is said too.
    year = tmp_path / "year.csv"
    year.write_text("id,from,to,cause\nhere:evcp:evse:onea,2025-11-26T10:00Z,2025-11-26T11:00Z,x\n")
    done = evtui("report", source, "--rules", "nevi", "--exclusions", str(year), env=home)
    assert "in the window: nothing is excluded" in done.stderr
    # One that excludes down time: no note.
    good = tmp_path / "good.csv"
    good.write_text("id,from,to,cause\nhere:evcp:evse:onea,2026-11-26T10:00Z,2026-11-26T10:30Z,x\n")
    done = evtui("report", source, "--rules", "nevi", "--exclusions", str(good), env=home)
    assert done.returncode == 0 and "--exclusions:" not in done.stderr


def test_the_outage_list_gives_its_names_the_terminals_room(
    tmp_path: Path, home: dict[str, str]
) -> None:
    # An unnamed location is shown by its id's tail: 50 characters here.
    tail = "long" * 12 + "id"
    day = [
        {**doc, "id": f"here:evcp:charginglocation:{tail}"} if "two" in str(doc["id"]) else doc
        for doc in DAY
    ]
    source = str(payloads(tmp_path, day))
    wide = evtui("report", "--outages", source, env={**home, "COLUMNS": "160"})
    assert any(f"  {tail} " in line for line in wide.stdout.splitlines()), wide.stdout
    assert all(len(line) <= 160 for line in wide.stdout.splitlines())
    narrow = evtui("report", "--outages", source, env={**home, "COLUMNS": "80"})
    row = next(line for line in narrow.stdout.splitlines() if "ongoing" in line)
    assert f"  {tail[:17]}… " in row  # (18 cells: the least it gets)
