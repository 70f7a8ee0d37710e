"""The archive's files: what independent readers (pyarrow, DuckDB) find in them, and what
happens to a session added twice, a damaged session, an interrupted run, and files that are
not evtui's, cut short, or of a newer schema."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from evtui.archive import SCHEMA_VERSION, add_sessions
from evtui.archive.schema import SCHEMA_KEY
from evtui.defaults import EV_CATALOG, EV_LAYER
from evtui.recording import Recorder, SessionOrigin
from tests.archive.helpers import (
    archived_result,
    record_messages,
    rows,
    session_result,
    write_session,
)
from tests.conftest import evtui
from tests.recording.helpers import network_messages, record_session
from tests.reliability.test_live import scripted


@pytest.fixture
def home(tmp_path: Path) -> dict[str, str]:
    return {"XDG_CACHE_HOME": str(tmp_path / "cache"), "XDG_CONFIG_HOME": str(tmp_path / "cfg")}


def history(tmp_path: Path) -> Path:
    """A session of three scripted histories one after another (late updates, repeats,
    flapping, long silences), on 6 EVSEs of 3 locations."""
    messages = []
    offset = 0.0
    for seed in (3, 4, 5):
        part = scripted(seed)
        shift = offset - part[0][0] + 10 if messages else 0.0
        for received, items in part:
            messages.append((received + shift, [(p, e, s, t + shift) for p, e, s, t in items]))
        offset = messages[-1][0]
    return write_session(tmp_path / "history.evtui", messages)


def test_independent_readers_find_evtui_exports_rows(tmp_path: Path, home: dict[str, str]) -> None:
    session = history(tmp_path)
    archive = tmp_path / "archive"
    assert evtui("archive", str(session), str(archive), env=home).returncode == 0
    exported = evtui("export", str(session), "--format", "jsonl", env=home)
    want = [
        (r["time"], r["location"], r["evse"], r["old"], r["new"])
        for r in map(json.loads, exported.stdout.splitlines())
    ]
    assert len(want) > 50
    # pyarrow, reading the directory as a hive-partitioned dataset, as Spark would.
    table = ds.dataset(archive / "status_changes", format="parquet", partitioning="hive").to_table()
    got = sorted(
        zip(table["seq"].to_pylist(), table["time"].to_pylist(), table["location"].to_pylist(),
            table["evse"].to_pylist(), table["previous"].to_pylist(),
            table["status"].to_pylist(), strict=True)
    )  # fmt: skip
    as_export = [
        (t.strftime("%Y-%m-%dT%H:%M:%SZ"), loc, evse, old, new) for _, t, loc, evse, old, new in got
    ]
    assert as_export == want
    dates = {str(d) for d in table["date"].to_pylist()}
    assert dates == {t[:10] for t, *_ in want}
    for path in (archive / "status_changes").rglob("*.parquet"):
        metadata = pq.read_metadata(path).metadata
        assert metadata[SCHEMA_KEY.encode()] == str(SCHEMA_VERSION).encode()
    # DuckDB alone, as the archive's README tells a user to.
    db = duckdb.connect()
    (count, days) = db.execute(
        f"SELECT count(*), count(DISTINCT date) FROM read_parquet("
        f"'{archive}/status_changes/*/*.parquet', hive_partitioning = true)"
    ).fetchone() or (0, 0)
    assert (count, days) == (len(want), len(dates))
    assert "schema version" in (archive / "README.md").read_text()


def test_a_session_added_twice_adds_nothing(tmp_path: Path, home: dict[str, str]) -> None:
    session = history(tmp_path)
    archive = tmp_path / "archive"
    evtui("archive", str(session), str(archive), env=home)
    files = sorted(archive.rglob("*.parquet"))
    again = evtui("archive", str(session), str(archive), env=home)
    assert again.returncode == 0
    assert "is in the archive already: skipped" in again.stderr
    assert "0 sessions added" in again.stderr
    assert sorted(archive.rglob("*.parquet")) == files


def test_an_interrupted_run_leaves_whole_files_and_adding_again_counts_rows_once(
    tmp_path: Path,
) -> None:
    session = history(tmp_path)
    archive = tmp_path / "archive"
    add_sessions([session], archive, "test")
    # As if the run had been killed before it wrote the session's end (its last coverage
    # file), and in the middle of writing a file (a temporary one left behind).
    coverage = sorted((archive / "coverage").glob("*.parquet"))
    coverage[-1].unlink()
    leftover = next((archive / "status_changes").rglob("*.parquet"))
    (leftover.parent / f".{leftover.name}.tmp").write_bytes(leftover.read_bytes()[:100])
    added = add_sessions([session], archive, "test")
    assert added.sessions == 1  # not complete: added again
    want = session_result([session], "nevi")
    assert rows(archived_result(archive, "nevi"), "evse") == rows(want, "evse")


def test_bad_files_are_named_skipped_and_left_out_of_the_figures(
    tmp_path: Path, home: dict[str, str]
) -> None:
    session = history(tmp_path)
    archive = tmp_path / "archive"
    evtui("archive", str(session), str(archive), env=home)
    options = ["--by", "location", "--format", "jsonl", "--gap", "600"]
    before = evtui("report", "--archive", str(archive), *options, env=home)
    assert before.returncode == 0, before.stderr
    folder = next((archive / "status_changes").glob("date=*"))
    good = next(folder.glob("*.parquet"))
    # Not evtui's: a Parquet file of someone else's with the same columns.
    pq.write_table(pq.read_table(good).replace_schema_metadata({}), folder / "foreign.parquet")
    # Cut short.
    (folder / "cut.parquet").write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    # A newer schema version: evtui must not mix its rows in.
    newer = folder / "newer.parquet"
    duckdb.connect().execute(
        f"COPY (SELECT * FROM read_parquet('{good}')) TO '{newer}' "
        f"(FORMAT parquet, KV_METADATA {{{SCHEMA_KEY}: '{SCHEMA_VERSION + 1}'}})"
    )
    # evtui's key, but a column of another type (it would stop DuckDB reading the table).
    duckdb.connect().execute(
        f"COPY (SELECT * REPLACE ('garbage' AS time) FROM read_parquet('{good}')) TO "
        f"'{folder / 'typed.parquet'}' (FORMAT parquet, KV_METADATA {{{SCHEMA_KEY}: '1'}})"
    )
    after = evtui("report", "--archive", str(archive), *options, env=home)
    assert after.returncode == 1
    assert "Traceback" not in after.stderr
    lines = after.stderr.splitlines()
    for name, why in (
        ("foreign.parquet", "not an evtui archive file"),
        ("cut.parquet", "not a readable Parquet file"),
        ("newer.parquet", f"newer schema version {SCHEMA_VERSION + 1}"),
        ("typed.parquet", "columns of other types: time is VARCHAR, not TIMESTAMP WITH TIME ZONE"),
    ):
        [line] = [x for x in lines if name in x]
        assert why in line
    assert "the figures exclude 4 unreadable archive files" in after.stderr
    assert after.stdout == before.stdout


def intact_and_cut(tmp_path: Path) -> tuple[Path, Path]:
    """A twelve-hour session, and a copy of it cut short at 60 % of its bytes."""
    intact = tmp_path / "intact.evtui"
    record_session(intact, network_messages(locations=12, hours=12))
    cut = tmp_path / "cut.evtui"
    data = intact.read_bytes()
    cut.write_bytes(data[: int(len(data) * 0.6)])
    return intact, cut


def test_a_damaged_session_adds_what_is_readable_and_says_where_it_broke(
    tmp_path: Path, home: dict[str, str]
) -> None:
    _, cut = intact_and_cut(tmp_path)
    archive = tmp_path / "archive"
    done = evtui("archive", str(cut), str(archive), env=home)
    assert done.returncode == 1
    assert "damaged at message" in done.stderr and "1 session added" in done.stderr
    # The archive holds what the damaged session holds: both reports agree on it.
    want = session_result([cut], "uk")
    assert want.evses
    assert rows(archived_result(archive, "uk"), "location") == rows(want, "location")
    # The same damaged file again: nothing new in it, so no file is written (each time
    # it wrote its coverage and locations again).
    files = sorted(archive.rglob("*.parquet"))
    again = evtui("archive", str(cut), str(archive), env=home)
    assert again.returncode == 1
    assert f"{cut} is in the archive already: skipped" in again.stderr
    assert "(the archive holds all of it that can be read)" in again.stderr
    assert "0 sessions added (0 status changes, 0 files in all)" in again.stderr
    assert sorted(archive.rglob("*.parquet")) == files
    assert rows(archived_result(archive, "uk"), "location") == rows(want, "location")


def archived_rows(archive: Path) -> int:
    """Rows of changes and late updates in the archive's files."""
    db = duckdb.connect()
    return sum(
        db.execute(f"SELECT count(*) FROM read_parquet('{archive}/{table}/*/*.parquet')")
        .fetchone()[0]  # type: ignore[index]
        for table in ("status_changes", "late_updates")
        if list((archive / table).rglob("*.parquet"))
    )


def test_a_session_added_while_it_is_recorded_is_completed_when_added_again(
    tmp_path: Path,
) -> None:
    messages = scripted(4)
    path = tmp_path / "live.evtui"
    recorder = Recorder.create(path, SessionOrigin("test", "here", EV_CATALOG, EV_LAYER))
    record_messages(recorder, messages[: len(messages) // 2])
    recorder.flush()
    archive = tmp_path / "archive"
    early = add_sessions([path], archive, "test")
    assert early.sessions == 1 and early.unfinished == [str(path)]
    record_messages(recorder, messages[len(messages) // 2 :], len(messages) // 2)
    recorder.close()
    done = add_sessions([path], archive, "test")
    assert done.sessions == 1 and not done.unfinished and not done.skipped
    assert done.changes > 0
    for rules in ("uk", "afirev"):
        want = session_result([path], rules)
        got = archived_result(archive, rules)
        assert got.gaps == want.gaps
        for by in ("evse", "network"):
            assert rows(got, by) == rows(want, by), (rules, by)  # type: ignore[arg-type]
    # Each change once: as many rows as the session added in one go, and the second run
    # counts only those it added; a third time, nothing.
    at_once = add_sessions([path], tmp_path / "at_once", "test")
    assert archived_rows(archive) == archived_rows(tmp_path / "at_once")
    assert early.changes + done.changes == at_once.changes and early.changes > 0
    assert add_sessions([path], archive, "test").skipped == [str(path)]


def test_a_damaged_copy_added_first_is_completed_by_the_intact_file(
    tmp_path: Path, home: dict[str, str]
) -> None:
    intact, cut = intact_and_cut(tmp_path)
    archive = tmp_path / "archive"
    done = evtui("archive", str(cut), str(archive), env=home)
    assert done.returncode == 1 and "adding an intact copy later adds the rest" in done.stderr
    done = evtui("archive", str(intact), str(archive), env=home)
    assert done.returncode == 0, done.stderr
    assert "changes the archive lacked" in done.stderr and "skipped" not in done.stderr
    want = session_result([intact], "nevi")
    assert rows(archived_result(archive, "nevi"), "evse") == rows(want, "evse")
    add_sessions([intact], tmp_path / "at_once", "test")
    assert archived_rows(archive) == archived_rows(tmp_path / "at_once")
    again = evtui("archive", str(intact), str(archive), env=home)
    assert "is in the archive already: skipped" in again.stderr


def test_the_archive_is_where_the_user_said_or_the_command_says_why_not(
    tmp_path: Path, home: dict[str, str]
) -> None:
    session = history(tmp_path)
    (tmp_path / "file").write_text("")
    done = evtui("archive", str(session), str(tmp_path / "file"), env=home)
    assert done.returncode == 2 and "is a file" in done.stderr
    done = evtui("report", "--archive", str(tmp_path / "absent"), env=home)
    assert done.returncode == 1
    assert done.stderr == f"evtui: --archive {tmp_path / 'absent'}: no such directory\n"
    done = evtui("report", "--archive", str(tmp_path), str(session), env=home)
    assert done.returncode == 2 and "not both" in done.stderr
    done = evtui("report", "--archive", str(tmp_path), "--gap", "30", env=home)
    assert done.returncode == 2 and "silences of 60 s or more" in done.stderr
    # DIR is made if absent; a mistyped path's missing folders are said, not made.
    typo = tmp_path / "mnt" / "shraed" / "archive"
    done = evtui("archive", str(session), str(typo), env=home)
    assert done.returncode == 1
    assert done.stderr == f"evtui: {typo}: no folder {typo.parent} to make the archive in\n"
    done = evtui("record", "--source", "demo", "--limit", "3", "-o", str(tmp_path / "r.evtui"),
                 "--archive", str(typo), env=home)  # fmt: skip
    assert done.returncode == 1 and f"no folder {typo.parent} to make it in" in done.stderr
    assert not (tmp_path / "mnt").exists() and not (tmp_path / "r.evtui").exists()
    made = tmp_path / "made"
    assert evtui("archive", str(session), str(made), env=home).returncode == 0
    assert (made / "README.md").is_file()


def test_compacting_merges_each_days_files_and_changes_no_figure(
    tmp_path: Path, home: dict[str, str]
) -> None:
    messages = scripted(8)
    half = len(messages) // 2
    first = write_session(tmp_path / "1.evtui", messages[:half], "first")
    second = write_session(tmp_path / "2.evtui", messages[half:], "second")
    archive = tmp_path / "archive"
    evtui("archive", str(first), str(second), str(archive), env=home)
    options = ["--by", "evse", "--format", "jsonl", "--gap", "600"]
    before = evtui("report", "--archive", str(archive), *options, env=home)
    files = sorted((archive / "status_changes").rglob("*.parquet"))
    folders = {f.parent for f in files}
    assert len(files) > len(folders), "two sessions should leave days of several files"
    originals = {f: f.read_bytes() for f in files}
    done = evtui("archive", "--compact", str(archive), env=home)
    assert done.returncode == 0, done.stderr
    assert "compacted" in done.stderr
    after = sorted((archive / "status_changes").rglob("*.parquet"))
    assert len(after) == len(folders)
    assert evtui("report", "--archive", str(archive), *options, env=home).stdout == before.stdout
    # A compaction stopped before it removed what it merged: both are there, counted once.
    for path, data in originals.items():
        path.write_bytes(data)
    again = evtui("report", "--archive", str(archive), *options, env=home)
    assert again.returncode == 0, again.stderr
    assert again.stdout == before.stdout


def test_the_archive_names_its_locations_on_a_machine_without_the_directory(
    tmp_path: Path,
) -> None:
    from evtui.directory import DirectoryCache
    from evtui.model.directory import parse_location

    here = {"XDG_CACHE_HOME": str(tmp_path / "cache"), "XDG_CONFIG_HOME": str(tmp_path / "c")}
    cache = tmp_path / "cache" / "evtui"
    cache.mkdir(parents=True)
    named_id, other = "here:evcp:charginglocation:L1", "here:evcp:charginglocation:L2"
    record = {"id": named_id, "location": {"lat": 1.0, "lng": 2.0}, "name": "Hafen Nord",
              "operator": {"name": "Stadtwerke"}}  # fmt: skip
    with DirectoryCache.open(cache / "directory.sqlite") as directory:
        directory.put([(record, parse_location(record, 1_795_600_800.0))])
    t0 = 1_795_600_800.0
    session = write_session(tmp_path / "s.evtui", [
        (t0, [(named_id, "a", "AVAILABLE", t0)]),
        (t0 + 60, [(other, "b", "CHARGING", t0 + 60)]),
        (t0 + 120, [(named_id, "a", "OUT_OF_ORDER", t0 + 120)]),
    ])  # fmt: skip
    assert evtui("archive", str(session), str(tmp_path / "archive"), env=here).returncode == 0
    elsewhere = {"XDG_CACHE_HOME": str(tmp_path / "none"), "XDG_CONFIG_HOME": str(tmp_path / "c")}
    done = evtui("report", "--archive", str(tmp_path / "archive"), "--by", "location",
                 "--format", "jsonl", env=elsewhere)  # fmt: skip
    assert done.returncode == 0, done.stderr
    named = {r["location"]: r for r in map(json.loads, done.stdout.splitlines())}
    assert named[named_id]["name"] == "Hafen Nord"
    assert named[named_id]["operator"] == "Stadtwerke"
    assert named[other]["name"] is None
    # Without the archive's table, this machine knows no names.
    plain = evtui("report", str(session), "--by", "location", "--format", "jsonl", env=elsewhere)
    assert all(json.loads(line)["name"] is None for line in plain.stdout.splitlines())


def test_the_archives_readme_names_every_column_of_its_table() -> None:
    # A user opening the files with another engine reads the README, not evtui's code.
    from evtui.archive.schema import COLUMNS, README

    sections = {
        part.split("/", 1)[0].strip(): part for part in README.split("\n## ")[1:]
    }
    for table, columns in COLUMNS.items():
        text = sections[table]
        if table == "late_updates":  # "same columns, no `previous`"
            assert "no `previous`" in text
            continue
        missing = [c for c in columns if c not in text]
        assert not missing, (table, missing)


def test_the_readmes_query_gives_each_evse_one_history_across_sessions(tmp_path: Path) -> None:
    """Added one at a time, each session's first row of an EVSE has no `previous` and may
    repeat the status the session before left: the README's query takes them out."""
    from evtui.archive.schema import README

    query = README.split("## One history across sessions")[1].split("\n## ")[0]
    query = "\n".join(line[4:] for line in query.splitlines() if line.startswith("    "))
    t0 = 1_795_600_800.0
    loc = "here:evcp:charginglocation:826gcpv5v8d5m-aGVyZS1ldjplY29tb3ZlbWVudDoxMjM0NTY"
    first = write_session(tmp_path / "1.evtui", [
        (t0, [(loc, "a", "AVAILABLE", t0)]),
        (t0 + 60, [(loc, "a", "CHARGING", t0 + 60)]),
        # One instant, A then B then A: stays whole (the second A is a change).
        (t0 + 90, [(loc, "b", "AVAILABLE", t0 + 90), (loc, "b", "BLOCKED", t0 + 90)]),
        (t0 + 91, [(loc, "b", "AVAILABLE", t0 + 90)]),
    ], "first")  # fmt: skip
    second = write_session(tmp_path / "2.evtui", [
        (t0 + 600, [(loc, "a", "CHARGING", t0 + 600)]),  # what the first left: a repeat
        (t0 + 660, [(loc, "a", "AVAILABLE", t0 + 660)]),
        (t0 + 700, [(loc, "b", "AVAILABLE", t0 + 700)]),  # a repeat too
    ], "second")  # fmt: skip
    apart, together = tmp_path / "apart", tmp_path / "together"
    for batch in ([first], [second]):
        assert not add_sessions(batch, apart, "test").problems
    assert not add_sessions([first, second], together, "test").problems

    def table(archive: Path, sql: str) -> list[tuple[object, ...]]:
        found = duckdb.sql(sql.replace("ARCHIVE", str(archive)))
        at = {name: i for i, name in enumerate(found.columns)}
        return [
            (r[at["evse"]], r[at["time"]].timestamp() - t0, r[at["status"]], r[at["previous"]])
            for r in found.fetchall()
        ]

    stored = table(apart, "SELECT * FROM read_parquet('ARCHIVE/status_changes/*/*.parquet')")
    # (What the query is for: the second session's first sightings.)
    assert ("a", 600.0, "CHARGING", None) in stored and ("b", 700.0, "AVAILABLE", None) in stored
    expected = [
        ("a", 0.0, "AVAILABLE", None),
        ("a", 60.0, "CHARGING", "AVAILABLE"),
        ("a", 660.0, "AVAILABLE", "CHARGING"),
        ("b", 90.0, "AVAILABLE", None),
        ("b", 90.0, "BLOCKED", "AVAILABLE"),
        ("b", 90.0, "AVAILABLE", "BLOCKED"),
    ]
    assert table(apart, query) == expected
    # The sessions added in one run (one writer going on from one to the next) store that.
    assert table(together, query) == expected


def test_an_archive_of_sessions_that_held_no_update_reports_nothing(
    tmp_path: Path, home: dict[str, str]
) -> None:
    # A recorder of a quiet stream: its session is added, and there is no change to report.
    quiet = write_session(tmp_path / "quiet.evtui", [])
    archive = tmp_path / "archive"
    assert evtui("archive", str(quiet), str(archive), env=home).returncode == 0
    done = evtui("report", "--archive", str(archive), env=home)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        f"evtui: nothing to report: the archive {archive} holds no status change (what was "
        "added to it held none)\n"
    )
