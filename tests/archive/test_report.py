"""`evtui report --archive` (DuckDB's SQL over the Parquet files) against the report over the
same sessions (the fold, update by update): two computations of the same rows."""

from __future__ import annotations

import math
import random
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from evtui.archive import add_sessions
from tests.archive.helpers import (
    archived_result,
    archived_sessions,
    rows,
    session_result,
    write_session,
)
from tests.conftest import evtui
from tests.reliability.test_live import T0, scripted

DAY = 86_400.0
WINDOWS: list[tuple[str, dict[str, Any]]] = [
    ("uk", {}),
    ("nevi", {}),
    ("afirev", {}),
    # Windows ending at midnight UTC: before, inside and after most histories' changes.
    ("uk", {"start": T0 - 8 * 3600 + DAY, "end": T0 - 8 * 3600 + 2 * DAY}),
    ("afirev", {"start": T0 - 8 * 3600, "end": T0 - 8 * 3600 + 3 * DAY}),
    (
        "nevi",
        {"exclusions": {"E1": [(T0, T0 + 30 * 3600)], "L2": [(T0 + 2 * 3600, T0 + 9 * 3600)]}},
    ),
]


# Seed 77: a repeat of the status, kept in `seen`, is all that keeps an excluded location's
# EVSE from being stale (the refold of excluded EVSEs once read only the changes).
@pytest.mark.parametrize("seed", [*range(16), 77])
def test_the_archive_gives_the_session_reports_rows(tmp_path: Path, seed: int) -> None:
    # Flapping runs, repeats, late updates, long UNKNOWNs, silences longer than the gap; odd
    # seeds are two sessions, so the time between them is unobserved and the EVSEs' statuses
    # carry from one to the other. The second starts with first sightings that may repeat a
    # status (the report finds that and takes the long way), archived together or one by
    # one (seeds 3, 7, ...); one session's rows are one chain per EVSE (the report sorts once).
    sessions = archived_sessions(tmp_path, scripted(seed), seed)
    for n, (rules, window) in enumerate(WINDOWS):
        want = session_result(sessions, rules, **window)
        # Every outage kept (--outages), or only their counts (the rows): alike.
        got = archived_result(tmp_path / "archive", rules, outage_list=bool(n % 2), **window)
        assert (got.start, got.end, got.gaps) == (want.start, want.end, want.gaps)
        for by in ("evse", "location", "network"):
            assert rows(got, by) == rows(want, by), (rules, window, by)  # type: ignore[arg-type]
        if n % 2:
            def outages(result: Any) -> list[Any]:
                return [(f.evse, f.outage_list) for f in sorted(result.evses, key=lambda f: f.evse)]

            assert outages(got) == outages(want)


@pytest.mark.parametrize("seed", [1, 6, 9, 12])
def test_many_gaps_are_searched_and_give_the_same_rows(
    tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A year of daily sessions has hundreds of gaps: observed time is then found by a binary
    # search over the observed spans instead of a sum over them (forced here).
    import evtui.archive.observed as observed

    monkeypatch.setattr(observed, "SPANS_SUMMED", 0)
    session = write_session(tmp_path / "1.evtui", scripted(seed))
    add_sessions([session], tmp_path / "archive", "test")
    for rules in ("uk", "nevi", "afirev"):
        want = session_result([session], rules)
        got = archived_result(tmp_path / "archive", rules, outage_list=False)
        assert want.gaps and got.gaps == want.gaps
        for by in ("evse", "location"):
            assert rows(got, by) == rows(want, by), (rules, by)  # type: ignore[arg-type]


def test_sessions_from_several_runs_are_one_history(tmp_path: Path) -> None:
    # The second session added by a run of its own: its first sightings repeat the statuses
    # the first left, and the report folds them as no change.
    messages = scripted(7)
    half = len(messages) // 2
    first = write_session(tmp_path / "1.evtui", messages[:half], "first")
    second = write_session(tmp_path / "2.evtui", messages[half:], "second")
    add_sessions([first], tmp_path / "archive", "test")
    add_sessions([second], tmp_path / "archive", "test")
    for rules in ("uk", "nevi", "afirev"):
        want = rows(session_result([first, second], rules), "evse")
        assert any(r["late"] for r in want), "the history should have late updates"
        # An update late only against the first session's history is late in the archive's
        # report too, though the second run's writer knew nothing of that history.
        assert rows(archived_result(tmp_path / "archive", rules), "evse") == want, rules


H = 3600.0


def test_the_hand_computed_day_through_the_commands(tmp_path: Path) -> None:
    # EVSE a out of order 02:00-03:30 of a 24 h day, b charging 6 h; c inoperative from 12:00.
    day = [
        (T0, [("one", "a", "AVAILABLE", T0), ("one", "b", "AVAILABLE", T0)]),
        (T0 + 1, [("two", "c", "AVAILABLE", T0)]),
        (T0 + 2 * H, [("one", "a", "OUT_OF_ORDER", T0 + 2 * H)]),
        (T0 + 3.5 * H, [("one", "a", "AVAILABLE", T0 + 3.5 * H),
                        ("one", "b", "CHARGING", T0 + 3.5 * H)]),
        (T0 + 9.5 * H, [("one", "b", "AVAILABLE", T0 + 9.5 * H)]),
        (T0 + 12 * H, [("two", "c", "INOPERATIVE", T0 + 12 * H)]),
        (T0 + 24 * H, [("one", "a", "AVAILABLE", T0 + 24 * H)]),
    ]  # fmt: skip
    session = write_session(tmp_path / "day.evtui", day)
    home = {"XDG_CACHE_HOME": str(tmp_path / "cache"), "XDG_CONFIG_HOME": str(tmp_path / "c")}
    done = evtui("archive", str(session), str(tmp_path / "archive"), env=home)
    assert done.returncode == 0, done.stderr
    # Three first sightings and five changes; the last update of a repeats its status.
    assert "1 session added (8 status changes" in done.stderr
    options = ["--by", "evse", "--format", "jsonl", "--gap", "90000"]
    over_archive = evtui("report", "--archive", str(tmp_path / "archive"), *options, env=home)
    over_session = evtui("report", str(session), *options, env=home)
    assert over_archive.returncode == 0, over_archive.stderr
    assert over_archive.stdout == over_session.stdout
    import json

    figures = {r["evse"]: r for r in map(json.loads, over_archive.stdout.splitlines())}
    assert figures["a"]["uptime_pct"] == 93.75 and figures["a"]["outages"] == 1
    assert figures["b"]["utilisation_pct"] == 25.0
    assert figures["c"]["outage_s"] == 12 * H and figures["c"]["uptime_pct"] == 50.0


def test_a_tail_received_twice_by_two_writers_counts_once(tmp_path: Path) -> None:
    # At-least-once delivery: after a rebalance a second recorder receives again what the
    # first had not committed. Here the second writer's session starts 40 messages before the
    # first one's ends; it knows nothing of what came before (its first sightings).
    rng = random.Random(5)
    messages = []
    at = {f"E{n}": T0 for n in range(6)}
    for i in range(120):
        evse = f"E{rng.randrange(6)}"
        at[evse] += rng.choice([0, 30, 600, 3600])  # two changes of one instant now and then
        status = rng.choice(["AVAILABLE", "CHARGING", "OUT_OF_ORDER", "UNKNOWN"])
        messages.append((T0 + 10 * i, [(f"L{int(evse[1:]) % 3}", evse, status, at[evse])]))
    whole = write_session(tmp_path / "whole.evtui", messages, "whole")
    first = write_session(tmp_path / "1.evtui", messages[:80], "first")
    second = write_session(tmp_path / "2.evtui", messages[40:], "second")
    add_sessions([first], tmp_path / "archive", "w1")
    add_sessions([second], tmp_path / "archive", "w2")
    for rules in ("uk", "nevi", "afirev"):
        want = session_result([whole], rules)
        got = archived_result(tmp_path / "archive", rules)
        for by in ("evse", "location"):
            assert rows(got, by) == rows(want, by), (rules, by)  # type: ignore[arg-type]


def assert_archives_agree(
    tmp_path: Path, sessions: list[Path], options: list[str], want: str
) -> None:
    """`evtui report --archive` gives `want` over the two sessions archived in one run, and in
    a run each in either order."""
    home = {"XDG_CACHE_HOME": str(tmp_path / "cache"), "XDG_CONFIG_HOME": str(tmp_path / "c")}
    first, second = sessions
    for name, runs in (("one", [[first, second]]), ("two", [[first], [second]]),
                       ("reversed", [[second], [first]])):  # fmt: skip
        for given in runs:
            done = evtui("archive", *map(str, given), str(tmp_path / name), env=home)
            assert done.returncode == 0, done.stderr
        over_archive = evtui("report", "--archive", str(tmp_path / name), *options, env=home)
        assert over_archive.stdout == want, name


def test_two_recorders_of_one_stream_are_read_in_the_order_received(tmp_path: Path) -> None:
    # A spare recorder beside the main one: it receives copies of the main one's updates a
    # moment later, and the one the main recorder missed (E out of order at +30 s).
    main = write_session(tmp_path / "main.evtui", [
        (T0, [("L", "E", "AVAILABLE", T0)]),
        (T0 + 10, [("L", "E", "CHARGING", T0 + 10)]),
        (T0 + 40, [("L", "E", "AVAILABLE", T0 + 40)]),
    ], "main")  # fmt: skip
    spare = write_session(tmp_path / "spare.evtui", [
        (T0 + 1, [("L", "E", "AVAILABLE", T0)]),
        (T0 + 11, [("L", "E", "CHARGING", T0 + 10)]),
        (T0 + 31, [("L", "E", "OUT_OF_ORDER", T0 + 30)]),
        (T0 + 41, [("L", "E", "AVAILABLE", T0 + 40)]),
    ], "spare")  # fmt: skip
    home = {"XDG_CACHE_HOME": str(tmp_path / "cache"), "XDG_CONFIG_HOME": str(tmp_path / "c")}
    options = ["--by", "evse", "--format", "jsonl"]
    over_sessions = evtui("report", str(spare), str(main), *options, env=home)
    assert over_sessions.returncode == 0, over_sessions.stderr
    import json

    (row,) = map(json.loads, over_sessions.stdout.splitlines())
    # Read one after the other, the spare's copies were 3 late updates and the outage lost.
    # (The window ends at the newest update: the change at +40 s is its end, not in it.)
    assert (row["late"], row["changes"], row["outages"]) == (0, 2, 1)
    assert (row["outage_s"], row["uptime_pct"]) == (10.0, 75.0)
    # The archive gives the same row, the two added by one run or by one run each.
    assert_archives_agree(tmp_path, [main, spare], options, over_sessions.stdout)


def test_copies_of_two_statuses_of_one_instant_are_no_changes(tmp_path: Path) -> None:
    # E goes out of order and straight on to charging within one second (+30 s): two
    # updates with one `last_updated`. Both recorders hold both; the spare's copies come
    # after the main one's CHARGING, and are neither a flip back nor a late update.
    main = write_session(tmp_path / "main.evtui", [
        (T0, [("L", "E", "AVAILABLE", T0)]),
        (T0 + 30, [("L", "E", "OUT_OF_ORDER", T0 + 30)]),
        (T0 + 30.5, [("L", "E", "CHARGING", T0 + 30)]),
        (T0 + 60, [("L", "E", "AVAILABLE", T0 + 60)]),
    ], "main")  # fmt: skip
    spare = write_session(tmp_path / "spare.evtui", [
        (T0 + 1, [("L", "E", "AVAILABLE", T0)]),
        (T0 + 31, [("L", "E", "OUT_OF_ORDER", T0 + 30)]),
        (T0 + 31.5, [("L", "E", "CHARGING", T0 + 30)]),
        (T0 + 61, [("L", "E", "AVAILABLE", T0 + 60)]),
    ], "spare")  # fmt: skip
    home = {"XDG_CACHE_HOME": str(tmp_path / "cache"), "XDG_CONFIG_HOME": str(tmp_path / "c")}
    options = ["--by", "evse", "--format", "jsonl"]
    over_sessions = evtui("report", str(main), str(spare), *options, env=home)
    assert over_sessions.returncode == 0, over_sessions.stderr
    import json

    (row,) = map(json.loads, over_sessions.stdout.splitlines())
    # Two changes in the window (the one at its end is not in it), charging half of it.
    assert (row["changes"], row["late"]) == (2, 0)
    assert row["seconds"] == {"AVAILABLE": 30.0, "CHARGING": 30.0}
    alone = evtui("report", str(main), *options, env=home)
    assert alone.stdout == over_sessions.stdout
    assert_archives_agree(tmp_path, [main, spare], options, over_sessions.stdout)


def test_a_change_in_another_runs_session_is_not_lost_between_two_of_this_run(
    tmp_path: Path,
) -> None:
    # `early` and `late` (added in one run) know E only as AVAILABLE; `middle`, added by a run
    # before, saw it go out of order at +60 s. Folded on from `early`, `late`'s AVAILABLE at
    # +120 s would pass for a repeat, and the outage would have no end.
    early = write_session(tmp_path / "early.evtui", [
        (T0, [("L", "E", "AVAILABLE", T0)]), (T0 + 40, [("L", "E", "AVAILABLE", T0 + 40)]),
    ], "early")  # fmt: skip
    middle = write_session(tmp_path / "middle.evtui", [
        (T0 + 10, [("L", "F", "AVAILABLE", T0 + 10)]),
        (T0 + 60, [("L", "E", "OUT_OF_ORDER", T0 + 60)]),
        (T0 + 100, [("L", "F", "AVAILABLE", T0 + 100)]),
    ], "middle")  # fmt: skip
    late = write_session(tmp_path / "late.evtui", [
        (T0 + 120, [("L", "E", "AVAILABLE", T0 + 120)]),
        (T0 + 180, [("L", "F", "AVAILABLE", T0 + 180)]),
    ], "late")  # fmt: skip
    home = {"XDG_CACHE_HOME": str(tmp_path / "cache"), "XDG_CONFIG_HOME": str(tmp_path / "c")}
    options = ["--by", "evse", "--format", "jsonl"]
    over_sessions = evtui("report", str(early), str(middle), str(late), *options, env=home)
    import json

    rows = {r["evse"]: r for r in map(json.loads, over_sessions.stdout.splitlines())}
    e = rows["E"]
    assert (e["outages"], e["outage_s"], e["uptime_pct"]) == (1, 60.0, round(100 * 120 / 180, 4))
    for runs in ([[middle], [early, late]], [[early, late], [middle]]):
        archive = tmp_path / f"archive-{len(list(tmp_path.glob('archive-*')))}"
        for sessions in runs:
            done = evtui("archive", *map(str, sessions), str(archive), env=home)
            assert done.returncode == 0, done.stderr
        over_archive = evtui("report", "--archive", str(archive), *options, env=home)
        assert over_archive.stdout == over_sessions.stdout, runs


def test_a_session_given_twice_is_read_once(tmp_path: Path) -> None:
    # Two messages of one poll share a receive time: read twice, interleaved, the copy of
    # the first would come after the second, a late update.
    poll = [
        (T0, [("L", "E", "AVAILABLE", T0)]),
        (T0 + 60, [("L", "E", "CHARGING", T0 + 50)]),
        (T0 + 60, [("L", "E", "AVAILABLE", T0 + 55)]),
        (T0 + 120, [("L", "E", "OUT_OF_ORDER", T0 + 120)]),
    ]
    session = write_session(tmp_path / "s.evtui", poll)
    copy = tmp_path / "copy.evtui"
    copy.write_bytes(session.read_bytes())
    home = {"XDG_CACHE_HOME": str(tmp_path / "cache"), "XDG_CONFIG_HOME": str(tmp_path / "c")}
    once = evtui("report", str(session), "--format", "jsonl", env=home)
    twice = evtui("report", str(session), str(copy), "--format", "jsonl", env=home)
    assert twice.returncode == 0, twice.stderr
    assert twice.stdout == once.stdout and '"late": 0' in once.stdout
    assert f"{copy}: a copy of {session}, which is read instead" in twice.stderr
    # A damaged copy given first is not the one read: opened, it looks whole (the damage is
    # inside), so the copies are read through to choose.
    damaged = tmp_path / "damaged.evtui"
    damaged.write_bytes(session.read_bytes())
    with sqlite3.connect(damaged) as db:
        db.execute("UPDATE messages SET data = CAST(data || x'00' AS BLOB) WHERE seq = 0")
    db.close()
    for given in ([damaged, session], [session, damaged]):
        chosen = evtui("report", *map(str, given), "--format", "jsonl", env=home)
        assert (chosen.returncode, chosen.stdout) == (0, once.stdout), chosen.stderr
        assert f"{damaged}: a copy of {session}, which is read instead" in chosen.stderr
    done = evtui("archive", str(session), str(copy), str(tmp_path / "archive"), env=home)
    assert done.returncode == 0, done.stderr
    assert f"{copy}: a copy of {session}, which is added instead" in done.stderr
    assert "1 session added (4 status changes" in done.stderr
    over_archive = evtui("report", "--archive", str(tmp_path / "archive"), "--format", "jsonl",
                         env=home)  # fmt: skip
    assert over_archive.stdout == once.stdout


@pytest.mark.parametrize("weigh_within", [0.5, -1.0])
def test_shares_of_the_locations_add_up_to_the_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, weigh_within: float
) -> None:
    # A big archive is computed a share of its locations at a time: here three sessions of
    # their own locations, one after another, computed in three shares (flapping weighed
    # apart, or in the ordered pass).
    sessions, shift, previous_end = [], 0.0, 0.0
    for n, seed in enumerate((1, 2, 3)):
        part = scripted(seed)
        if sessions:
            shift = previous_end - part[0][0] + 600
        moved = [(r + shift, [(f"{'ABC'[n]}{p}", f"{'ABC'[n]}{e}", s, t + shift)
                              for p, e, s, t in items]) for r, items in part]  # fmt: skip
        previous_end = moved[-1][0]
        sessions.append(write_session(tmp_path / f"{n}.evtui", moved, str(n)))
        add_sessions([sessions[-1]], tmp_path / "archive", "test")
    import evtui.archive.report as report

    monkeypatch.setattr(report, "BUCKET_ROWS", 10)
    monkeypatch.setattr(report, "WEIGH_WITHIN", weigh_within)
    reader = report.ArchiveReader(tmp_path / "archive")
    assert len(report._buckets(reader.connect(), reader)) >= 3
    reader.close()
    # An exclusion in each of the first two shares (it was lost outside the last share).
    excluded = {"AL1": [(-math.inf, math.inf)], "BE2": [(-math.inf, math.inf)]}
    for rules, window in (("uk", {}), ("afirev", {}), ("nevi", {"exclusions": excluded})):
        want = session_result(sessions, rules, **window)
        got = archived_result(tmp_path / "archive", rules, **window)
        assert got.gaps == want.gaps
        for by in ("evse", "location", "network"):
            assert rows(got, by) == rows(want, by), (rules, by)  # type: ignore[arg-type]


def test_an_archive_that_is_not_one_is_said_to_be_so(tmp_path: Path) -> None:
    home = {"XDG_CACHE_HOME": str(tmp_path / "cache"), "XDG_CONFIG_HOME": str(tmp_path / "c")}
    session = write_session(tmp_path / "s1.evtui", [(T0, [("one", "a", "AVAILABLE", T0)])])
    (tmp_path / "empty").mkdir()
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("not an archive\n")
    (tmp_path / "notes.txt").write_text("not an archive\n")
    said = {
        tmp_path / "empty": ": no archive there (no status_changes files)",
        tmp_path / "other": ": no archive there (no status_changes files)",
        tmp_path / "notes.txt": " is a file, not an archive directory",
        session: " is a file, not an archive directory; a session: report it without --archive "
        f"(evtui report {session})",
    }
    for path, line in said.items():
        done = evtui("report", "--archive", str(path), env=home)
        assert (done.returncode, done.stdout) == (1, ""), done.stderr
        assert done.stderr.splitlines() == [f"evtui: --archive {path}{line}"]


def test_a_memory_limit_too_small_is_said_to_be_so(tmp_path: Path) -> None:
    home = {"XDG_CACHE_HOME": str(tmp_path / "cache"), "XDG_CONFIG_HOME": str(tmp_path / "c")}
    session = write_session(tmp_path / "s1.evtui", [(T0, [("one", "a", "AVAILABLE", T0)])])
    add_sessions([session], tmp_path / "archive", "test")
    archive = tmp_path / "archive"
    done = evtui("report", "--archive", str(archive), "--memory-limit", "2KB", env=home)
    assert (done.returncode, done.stdout) == (1, ""), done.stderr
    assert done.stderr.splitlines()[-1] == (
        f"evtui: --archive {archive}: the report needs more than --memory-limit 2KB allows"
    )
    # Over session files it would bound nothing: said, not silently ignored.
    done = evtui("report", str(session), "--memory-limit", "2KB", env=home)
    assert done.returncode == 2 and "--memory-limit bounds DuckDB's memory for --archive" in (
        done.stderr
    )


@pytest.mark.parametrize("weigh_within", [0.5, -1.0])
def test_flapping_with_few_class_changes_and_with_many(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, weigh_within: float
) -> None:
    # The archive weighs the last 20 transitions apart, only for EVSEs with five class changes
    # or more (fewer never reach 25 %), or for all in the ordered pass where most EVSEs need
    # it (forced here): each side of that line, flapping that starts and stops.
    import evtui.archive.report as report

    monkeypatch.setattr(report, "WEIGH_WITHIN", weigh_within)
    def walk(evse: str, *steps: tuple[str, float]) -> list[tuple[str, str, float]]:
        return [(evse, status, T0 + at) for status, at in steps]

    up_down = [("OUT_OF_ORDER" if n % 2 else "AVAILABLE", 600.0 * n) for n in range(12)]
    returns = [("AVAILABLE", 0), ("OUT_OF_ORDER", 10), ("AVAILABLE", 20), ("OUT_OF_ORDER", 30),
               ("AVAILABLE", 40)]  # fmt: skip
    histories = {
        # four class changes; the second return within 60 s starts it ...
        "back": walk("back", *returns),
        # ... a CHARGING after it stops it (a change under 25 %) ...
        "charged": walk("charged", *returns, ("CHARGING", 100), ("AVAILABLE", 400)),
        # ... a fifth class change leaves it as it was (28.9 %: between 25 and 50 %).
        "fifth": walk("fifth", *returns, ("OUT_OF_ORDER", 100)),
        # eleven class changes: over 50 % ...
        "weighed": walk("weighed", *up_down),
        # ... and twenty-one uses after them bring the share under 25 %.
        "calmed": walk("calmed", *up_down, *[("CHARGING" if n % 2 else "AVAILABLE",
                                                8_000.0 + 600 * n) for n in range(21)]),
        # The twentieth transition back still counts: at the 20th change after the first
        # sighting, class changes 1, 2 and 13-20 weigh 38 + 39 + (50 + ... + 57) = 505, over
        # 475 (50 %); without the oldest, 467 (before it, 457 at most).
        "twentieth": walk("twentieth", *[(s, 600.0 * n) for n, s in enumerate(
            ["AVAILABLE", "OUT_OF_ORDER", "AVAILABLE"] + ["CHARGING", "AVAILABLE"] * 5
            + ["OUT_OF_ORDER", "AVAILABLE"] * 4)]),
    }  # fmt: skip
    updates = [u for history in histories.values() for u in history]
    messages = [(at + 1, [("L", evse, status, at)]) for evse, status, at in
                sorted(updates, key=lambda u: u[2])]  # fmt: skip
    session = write_session(tmp_path / "1.evtui", messages)
    add_sessions([session], tmp_path / "archive", "test")
    archived = archived_result(tmp_path / "archive", "uk")
    got = {r["evse"]: r["flapping"] for r in rows(archived, "evse")}
    want = {r["evse"]: r["flapping"] for r in rows(session_result([session], "uk"), "evse")}
    expected = {"back": True, "charged": False, "fifth": True, "weighed": True, "calmed": False,
                "twentieth": True}  # fmt: skip
    assert got == want == expected
