"""`evtui report`, run as a user runs it over payload files and sessions."""

from __future__ import annotations

import base64
import gzip
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from evtui.defaults import EV_CATALOG, EV_LAYER
from evtui.directory import DirectoryCache
from evtui.model import Batch, StreamMessage, decode
from evtui.model.directory import parse_location
from evtui.model.vocabulary import KNOWN_STATUSES
from evtui.recording import Recorder, SessionOrigin
from tests.conftest import evtui

T0 = datetime(2026, 11, 26, 8, tzinfo=UTC).timestamp()
H = 3600.0
FIELDS = {
    "location", "evse", "rules", "from", "to", "observed_s", "unobserved_s", "seconds",
    "uptime_pct", "outages", "outage_s", "longest_outage_s", "mttr_s", "mtbf_s",
    "utilisation_pct", "changes", "flapping", "stale",
}  # fmt: skip


def stamp(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat().replace("+00:00", "Z")


def doc(location: str, at: float, **evses: str) -> dict[str, Any]:
    return {
        "id": f"here:evcp:charginglocation:{location}",
        "evses": [
            {"id": f"here:evcp:evse:{location}{name}", "status": status, "last_updated": stamp(at)}
            for name, status in evses.items()
        ],
    }


# Location "one": EVSE a out of order 10:00-11:30 of a day; b charging 6 h of it.
# Location "two": its only EVSE c inoperative from 20:00 on (ongoing at the end).
DAY = [
    doc("one", T0, a="AVAILABLE", b="AVAILABLE"),
    doc("two", T0, c="AVAILABLE"),
    doc("one", T0 + 2 * H, a="OUT_OF_ORDER"),
    doc("one", T0 + 3.5 * H, a="AVAILABLE", b="CHARGING"),
    doc("one", T0 + 9.5 * H, b="AVAILABLE"),
    doc("two", T0 + 12 * H, c="INOPERATIVE"),
    doc("one", T0 + 24 * H, a="AVAILABLE"),
]


@pytest.fixture
def home(tmp_path: Path) -> dict[str, str]:
    return {"XDG_CACHE_HOME": str(tmp_path / "cache"), "XDG_CONFIG_HOME": str(tmp_path / "cfg")}


def payloads(tmp_path: Path, docs: list[dict[str, Any]]) -> Path:
    path = tmp_path / "payloads.jsonl"
    path.write_text("".join(json.dumps(d) + "\n" for d in docs))
    return path


def jsonl(done: Any) -> list[dict[str, Any]]:
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_per_evse_jsonl_has_the_hand_computed_figures(tmp_path: Path, home: dict[str, str]) -> None:
    rows = jsonl(evtui("report", str(payloads(tmp_path, DAY)), "--by", "evse", "--format",
                       "jsonl", env=home))  # fmt: skip
    by_evse = {row["evse"][-4:]: row for row in rows}
    assert set(by_evse) == {"onea", "oneb", "twoc"}
    assert all(set(row) >= FIELDS for row in rows)
    a, b, c = by_evse["onea"], by_evse["oneb"], by_evse["twoc"]
    assert (a["from"], a["to"]) == ("2026-11-26T08:00:00Z", "2026-11-27T08:00:00Z")
    assert a["rules"] == "uk"
    assert a["uptime_pct"] == 93.75 and a["outages"] == 1 and a["outage_s"] == 5400
    assert a["mttr_s"] == 5400 and a["mtbf_s"] == 81_000 and a["changes"] == 2
    assert a["seconds"] == {"AVAILABLE": 81_000, "OUT_OF_ORDER": 5_400}
    assert b["utilisation_pct"] == 25.0 and b["uptime_pct"] == 100 and b["mttr_s"] is None
    # c: down the last 12 h, still at the end.
    assert c["uptime_pct"] == 50.0 and c["outages"] == 1 and c["longest_outage_s"] == 12 * H
    assert [row["evse"][-4:] for row in rows] == ["twoc", "onea", "oneb"]  # worst first
    outages = jsonl(evtui("report", "--outages", str(payloads(tmp_path, DAY)), "--format",
                          "jsonl", env=home))  # fmt: skip
    assert [(o["evse"][-4:], o["start"], o["end"], o["duration_s"], o["statuses"])
            for o in outages] == [
        ("onea", "2026-11-26T10:00:00Z", "2026-11-26T11:30:00Z", 5400, ["OUT_OF_ORDER"]),
        ("twoc", "2026-11-26T20:00:00Z", None, 12 * H, ["INOPERATIVE"]),
    ]  # fmt: skip


def test_the_outage_table_has_headers_over_aligned_columns(
    tmp_path: Path, home: dict[str, str]
) -> None:
    done = evtui("report", "--outages", str(payloads(tmp_path, DAY)), env=home)
    assert done.returncode == 0, done.stderr
    title, header, *rows = done.stdout.splitlines()
    assert title == "2 outages under UK PCPR 2023"
    assert header.split() == ["start", "end", "length", "location", "EVSE", "statuses"]
    assert [row.split()[:3] for row in rows] == [
        ["2026-11-26T10:00:00Z", "2026-11-26T11:30:00Z", "1.5h"],
        ["2026-11-26T20:00:00Z", "ongoing", "12.0h"],
    ]
    # Each column starts where its header does (the length ends where its header does),
    # whatever the names' lengths.
    for word in ("EVSE", "statuses"):
        at = header.index(word)
        assert all(row[at - 1] == " " and row[at] != " " for row in rows), (word, rows)
    end = header.index("length") + len("length")
    assert all(row[end - 1] == "h" and row[end] == " " for row in rows), rows


def test_groups_are_ratios_of_sums_with_the_distribution(
    tmp_path: Path, home: dict[str, str]
) -> None:
    source = str(payloads(tmp_path, DAY))
    [network] = jsonl(evtui("report", source, "--by", "network", "--format", "jsonl", env=home))
    # Up: a 81,000 + b 86,400 + c 43,200 over 3 x 86,400 observed.
    assert network["uptime_pct"] == round(100 * (81_000 + 86_400 + 43_200) / (3 * 86_400), 4)
    assert network["outages"] == 2 and network["mttr_s"] == (5_400 + 43_200) / 2
    assert network["evses"] == 3 and network["over_97_pct"] == round(100 / 3, 4)
    locations = jsonl(evtui("report", source, "--format", "jsonl", env=home))
    two = next(row for row in locations if row["location"].endswith("two"))
    assert two["all_down_s"] == 12 * H and two["country"] is None
    nevi = jsonl(evtui("report", source, "--by", "network", "--rules", "nevi", "--format",
                       "jsonl", env=home))  # fmt: skip
    assert nevi[0]["rules"] == "nevi"


def test_a_window_clips_every_period(tmp_path: Path, home: dict[str, str]) -> None:
    rows = jsonl(evtui("report", str(payloads(tmp_path, DAY)), "--by", "evse", "--from",
                       "2026-11-26T11:00Z", "--to", "2026-11-26T13:00", "--format", "jsonl",
                       env=home))  # fmt: skip
    a = next(row for row in rows if row["evse"].endswith("onea"))
    # 11:00-11:30 out of order, 11:30-13:00 available.
    assert a["seconds"] == {"AVAILABLE": 5400, "OUT_OF_ORDER": 1800}
    assert a["outage_s"] == 1800 and a["from"] == "2026-11-26T11:00:00Z"


def test_the_table_fits_the_terminal_and_shows_names_as_data(
    tmp_path: Path, home: dict[str, str]
) -> None:
    cache = Path(home["XDG_CACHE_HOME"]) / "evtui"
    cache.mkdir(parents=True)
    record = {"id": "here:evcp:charginglocation:two", "location": {"lat": 1.0, "lng": 2.0},
              "name": "[red]Hafen\x1b[2J" + "x" * 200}  # fmt: skip
    with DirectoryCache.open(cache / "directory.sqlite") as directory:
        directory.put([(record, parse_location(record, T0))])
    done = evtui("report", str(payloads(tmp_path, DAY)), env={**home, "COLUMNS": "80"})
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[:2] == [
        "UK PCPR 2023 uptime of 3 EVSEs",
        "from 2026-11-26T08:00:00Z to 2026-11-27T08:00:00Z",
    ]
    assert all(len(line) <= 80 for line in lines), lines
    # Worst first; the name is data: its escape shown, its brackets kept, cut to the column.
    assert lines[3].startswith("[red]Hafen\\x1b[2J") and "50.00%" in lines[3]
    assert "\x1b" not in done.stdout
    # By EVSE, a long name is cut before the EVSE's id tail, which tells its EVSEs apart.
    done = evtui("report", str(payloads(tmp_path, DAY)), "--by", "evse",
                 env={**home, "COLUMNS": "80"})  # fmt: skip
    rows = done.stdout.splitlines()[3:6]
    assert all(len(line) <= 80 for line in rows), rows
    assert sorted(row.split()[1] for row in rows) == ["onea", "oneb", "twoc"]
    assert next(r for r in rows if " twoc " in r).startswith("[red]Hafe… twoc")


def test_csv_has_a_column_for_every_status_seen_or_not(
    tmp_path: Path, home: dict[str, str]
) -> None:
    # The day holds no BLOCKED, RESERVED or UNKNOWN: their columns are there all the same
    # (the CSVs of two periods line up), and a status outside OCPI's list gets one too.
    day = [*DAY[:-1], doc("two", T0 + 18 * H, c="PLANNED"), DAY[-1]]
    done = evtui("report", str(payloads(tmp_path, day)), "--format", "csv", env=home)
    header, *rows = done.stdout.splitlines()
    columns = header.split(",")
    statuses = [c.removeprefix("seconds_") for c in columns if c.startswith("seconds_")]
    assert statuses == [*KNOWN_STATUSES, "PLANNED"]
    blocked = columns.index("seconds_BLOCKED")
    assert [row.split(",")[blocked] for row in rows] == ["0.0", "0.0"]
    assert "outages_<2h" in columns and len(rows) == 2
    # Flags spelt as the JSON lines spell them (Python's own True and False were written).
    flags = [columns.index("flapping"), columns.index("stale")]
    assert {row.split(",")[i] for row in rows for i in flags} <= {"true", "false"}
    assert {row.split(",")[columns.index("stale")] for row in rows} == {"false"}


def record(path: Path, messages: list[tuple[float, dict[str, Any]]]) -> Path:
    recorder = Recorder.create(path, SessionOrigin("test", "here", EV_CATALOG, EV_LAYER))
    for n, (received, document) in enumerate(messages):
        data = base64.b64encode(gzip.compress(json.dumps(document).encode())).decode()
        recorder.record(Batch((decode(StreamMessage(0, n, data, received_at=received)),)))
    recorder.close()
    return path


def test_sessions_are_one_history_and_the_time_between_them_is_unobserved(
    tmp_path: Path, home: dict[str, str]
) -> None:
    first = record(
        tmp_path / "1.evtui",
        [(T0, doc("one", T0, a="AVAILABLE")), (T0 + H, doc("one", T0 + H, a="OUT_OF_ORDER"))],
    )
    second = record(
        tmp_path / "2.evtui",
        [
            (T0 + 3 * H, doc("one", T0 + 3 * H, a="AVAILABLE")),
            (T0 + 4 * H, doc("one", T0 + 4 * H, a="AVAILABLE")),
        ],
    )
    # Given newest first: sessions are read oldest first all the same.
    # Messages an hour apart inside each session, two hours between them: a gap of 5,000 s.
    done = evtui("report", str(second), str(first), "--by", "evse", "--format", "jsonl",
                 "--gap", "5000", env=home)  # fmt: skip
    [a] = jsonl(done)
    # Observed 0-1 h and 3-4 h; the 2 h between the sessions are unobserved, and the outage
    # that began at 1 h has no observed seconds until it ends at 3 h.
    assert (a["observed_s"], a["unobserved_s"]) == (2 * H, 2 * H)
    assert a["late"] == 0 and a["uptime_pct"] == 100.0
    assert "1 gap in reception (7,200 s unobserved)" in done.stderr
    # A window from inside the gap: the note counts the gap's part in the window, 1 h.
    sessions = (str(first), str(second), "--gap", "5000")
    done = evtui("report", *sessions, "--from", stamp(T0 + 2 * H), "--format", "jsonl", env=home)
    assert jsonl(done)[0]["unobserved_s"] == H
    assert "1 gap in reception (3,600 s unobserved)" in done.stderr
    # A window wholly after the recording: nothing observed, said as before the data is.
    done = evtui("report", *sessions, "--from", stamp(T0 + 5 * H), "--to", stamp(T0 + 6 * H),
                 env=home)  # fmt: skip
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        f"evtui: nothing to report: nothing observed within --from {stamp(T0 + 5 * H)} "
        f"--to {stamp(T0 + 6 * H)} (it lies after the data, or in a gap in reception)\n"
    )


def test_bad_exclusion_lines_are_named_and_the_rest_used(
    tmp_path: Path, home: dict[str, str]
) -> None:
    exclusions = tmp_path / "exclusions.csv"
    exclusions.write_text(
        "id,from,to,cause\n"
        "here:evcp:charginglocation:two,2026-11-26T20:00Z,2026-11-27T02:00Z,utility\n"
        "here:evcp:charginglocation:one,yesterday,2026-11-27T02:00Z,vandalism\n"
    )
    done = evtui("report", str(payloads(tmp_path, DAY)), "--rules", "nevi", "--by", "evse",
                 "--exclusions", str(exclusions), "--format", "jsonl", env=home)  # fmt: skip
    assert done.returncode == 1
    assert f"{exclusions}:3: refused: from: 'yesterday' is not an ISO 8601 time" in done.stderr
    c = next(r for r in map(json.loads, done.stdout.splitlines()) if r["evse"].endswith("twoc"))
    # 6 of c's 12 down hours excluded: up 18 h of 24.
    assert c["excluded_s"] == 6 * H and c["uptime_pct"] == 75.0


def test_a_window_beside_the_data_is_said_to_be_so(tmp_path: Path, home: dict[str, str]) -> None:
    # The day's updates run from 08:00 on 11-26 to 08:00 on 11-27: a window past either
    # end holds nothing, and a report of it would read as a network that said nothing.
    source = str(payloads(tmp_path, DAY))
    done = evtui("report", source, "--from", "2026-11-28", env=home)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        "evtui: --from 2026-11-28 is not before the newest update (2026-11-27T08:00:00Z)\n"
    )
    done = evtui("report", source, "--to", "2026-11-26T07:00Z", env=home)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == "evtui: nothing to report: no update within --to 2026-11-26T07:00Z\n"
    assert evtui("report", source, "--to", "2026-11-26T09:00Z", env=home).returncode == 0
    # Both ends given, after the data: no statuses held on for the month asked about.
    done = evtui("report", source, "--from", "2026-11-28", "--to", "2026-12-28", env=home)
    assert (done.returncode, done.stdout) == (1, "")
    assert "nothing to report: nothing observed within --from 2026-11-28" in done.stderr
    # A window running on past the data: what follows its newest change (20:00, c going
    # inoperative; a's 08:00 update repeats its status) is unobserved, as after a session.
    done = evtui("report", source, "--to", "2026-11-28T08:00Z", "--by", "evse",
                 "--format", "jsonl", env=home)  # fmt: skip
    by_evse = {r["evse"][-4:]: r for r in jsonl(done)}
    assert {k: (r["observed_s"], r["unobserved_s"]) for k, r in by_evse.items()} == {
        "onea": (12 * H, 36 * H), "oneb": (12 * H, 36 * H), "twoc": (12 * H, 36 * H)
    }  # fmt: skip
    assert by_evse["onea"]["outage_s"] == 1.5 * H  # (10:00-11:30, inside the data)
    assert "1 gap in reception (129,600 s unobserved)" in done.stderr


def test_bad_arguments_are_said_plainly(tmp_path: Path, home: dict[str, str]) -> None:
    source = str(payloads(tmp_path, DAY))
    done = evtui("report", source, "--from", "last tuesday", env=home)
    assert done.returncode == 2 and "--from 'last tuesday': not an ISO 8601 time" in done.stderr
    done = evtui("report", "demo", env=home)
    assert done.returncode == 2 and "session files or payload files" in done.stderr


def test_the_nevi_export_writes_the_reporting_tools_two_csvs_in_minutes(
    tmp_path: Path, home: dict[str, str]
) -> None:
    # a: out of order 10:00-11:30, its first half hour excluded (a utility outage, say).
    exclusions = tmp_path / "exclusions.csv"
    exclusions.write_text(
        "id,from,to,cause\nhere:evcp:evse:onea,2026-11-26T10:00Z,2026-11-26T10:30Z,utility\n"
    )
    out = tmp_path / "nevi"
    done = evtui("report", str(payloads(tmp_path, DAY)), "--nevi-export", str(out),
                 "--exclusions", str(exclusions), env=home)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "(3 ports)" in done.stderr and "(2 outages)" in done.stderr and not done.stdout
    uptime = (out / "nevi_uptime.csv").read_text().splitlines()
    assert uptime[0].startswith("# A NEVI-style proxy computed by evtui")
    assert uptime[1] == ("station_id,port_id,uptime_reporting_start,uptime_reporting_end,"
                         "uptime,total_outage,total_outage_excl")  # fmt: skip
    day = "2026-11-26T08:00:00Z,2026-11-27T08:00:00Z"
    loc = "here:evcp:charginglocation:"
    # a: (1,440 - (90 - 30)) / 1,440 minutes; c: inoperative the last 720 of 1,440.
    assert uptime[2:] == [
        f"{loc}one,here:evcp:evse:onea,{day},{100 * 1380 / 1440:.4f},90.00,30.00",
        f"{loc}one,here:evcp:evse:oneb,{day},100.0000,0.00,0.00",
        f"{loc}two,here:evcp:evse:twoc,{day},50.0000,720.00,0.00",
    ]
    outages = (out / "nevi_outages.csv").read_text().splitlines()
    assert outages[0].startswith("# A NEVI-style proxy")
    assert outages[1:] == [
        "station_id,port_id,outage_id,outage_duration",
        f"{loc}one,here:evcp:evse:onea,here:evcp:evse:onea#1,60.00",
        f"{loc}two,here:evcp:evse:twoc,here:evcp:evse:twoc#1,720.00",
    ]
    assert sorted(p.name for p in out.iterdir()) == ["nevi_outages.csv", "nevi_uptime.csv"]
    refused = evtui("report", str(payloads(tmp_path, DAY)), "--nevi-export", str(out),
                    "--rules", "uk", env=home)  # fmt: skip
    assert refused.returncode == 2
    assert "--nevi-export figures under the nevi rules, not --rules uk" in refused.stderr
    # Options it would leave unused, and a file where the directory goes, said before any work.
    source = str(payloads(tmp_path, DAY))
    for options, says in (
        (["--nevi-export", str(out), "-o", str(tmp_path / "r.csv")], "leave out -o"),
        (["--nevi-export", source], f"--nevi-export {source} is a file: give a directory"),
        (["--nevi-export", str(out), "--by", "operator"], "leave out --by and --format"),
        (["--nevi-export", str(out), "--format", "csv"], "leave out --by and --format"),
        (["--outages", "--by", "network"], "--outages lists every outage of every EVSE"),
    ):
        refused = evtui("report", source, *options, env=home)
        assert refused.returncode == 2 and says in refused.stderr, refused.stderr
    assert not (tmp_path / "r.csv").exists()


def test_a_source_that_cannot_be_read_is_named_as_given(
    tmp_path: Path, home: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "emptydir").mkdir()
    (tmp_path / "arch" / "status_changes").mkdir(parents=True)
    (tmp_path / "garbage.evtui").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "empty.evtui").write_bytes(b"")
    (tmp_path / "text.evtui").write_text("hello\n")
    said = {
        "emptydir": (2, "emptydir is a directory, not a session or payload file"),
        "arch": (2, "arch is a directory; an archive? report it with --archive arch"),
        "missing.evtui": (2, "missing.evtui: no such file"),
        "garbage.evtui": (1, "garbage.evtui is not an evtui session (not an SQLite file)"),
        "empty.evtui": (1, "empty.evtui is not an evtui session (not an SQLite file)"),
        "text.evtui": (1, "text.evtui is not an evtui session (not an SQLite file)"),
    }
    for name, (code, line) in said.items():
        done = evtui("report", name, env=home)
        assert (done.returncode, done.stderr, done.stdout) == (code, f"evtui: {line}\n", "")


def test_a_payload_file_without_one_valid_payload_fails_the_report(
    tmp_path: Path, home: dict[str, str]
) -> None:
    (tmp_path / "notes.txt").write_text("hello\nworld\n")
    (tmp_path / "empty.jsonl").write_text("")
    done = evtui("report", str(payloads(tmp_path, DAY)), str(tmp_path / "notes.txt"),
                 str(tmp_path / "empty.jsonl"), "--format", "jsonl", env=home)  # fmt: skip
    assert done.returncode == 1
    assert f"{tmp_path / 'notes.txt'}: not a session or payload file (no valid payload; 1 " \
        "rejected)" in done.stderr
    assert f"{tmp_path / 'empty.jsonl'}: not a session or payload file (no valid payload; " \
        "empty)" in done.stderr
    assert len(done.stdout.splitlines()) == 2  # the good file's two locations still reported
    # With no good file at all, no empty report that would read as a quiet network.
    alone = evtui("report", str(tmp_path / "notes.txt"), env=home)
    assert (alone.returncode, alone.stdout) == (1, "")
    said = alone.stderr.splitlines()[-1]
    assert said == "evtui: nothing to report: no source gave a valid payload"


def test_an_exclusions_file_that_cannot_be_read_is_said_in_words(
    tmp_path: Path, home: dict[str, str]
) -> None:
    source = str(payloads(tmp_path, DAY))
    missing = tmp_path / "missing.csv"
    done = evtui("report", source, "--exclusions", str(missing), env=home)
    assert (done.returncode, done.stderr) == (2, f"evtui: --exclusions {missing}: no such file\n")
    done = evtui("report", source, "--exclusions", str(tmp_path), env=home)
    assert (done.returncode, done.stderr) == (
        2, f"evtui: --exclusions {tmp_path}: is a directory\n"
    )  # fmt: skip


def test_what_is_no_valid_payload_is_said_and_left_out_of_the_figures(
    tmp_path: Path, home: dict[str, str]
) -> None:
    # A payload file whose last line was cut short (a copy that stopped).
    whole = payloads(tmp_path, DAY)
    text = whole.read_text()
    cut = tmp_path / "cut.jsonl"
    cut.write_text(text[: text.rstrip("\n").rindex("\n") + 30])
    done = evtui("report", str(cut), "--by", "evse", "--format", "jsonl", env=home)
    assert done.returncode == 0, done.stderr
    assert (
        f"evtui report: {cut}: 1 document not a valid payload, left out (the first: bad JSON: "
        f"line {len(DAY)}: " in done.stderr
    )
    # The figures are those of the lines before it.
    before = payloads(tmp_path, DAY[:-1])
    again = evtui("report", str(before), "--by", "evse", "--format", "jsonl", env=home)
    assert done.stdout == again.stdout
    # A session holding a message that was no payload when it came: counted, as it was live.
    path = tmp_path / "s.evtui"
    recorder = Recorder.create(path, SessionOrigin("test", "here", EV_CATALOG, EV_LAYER))
    for n, document in enumerate(DAY):
        data = base64.b64encode(gzip.compress(json.dumps(document).encode())).decode()
        recorder.record(Batch((decode(StreamMessage(0, n, data, received_at=T0 + n)),)))
    recorder.record(Batch((decode(StreamMessage(0, len(DAY), "not base64!", received_at=T0)),)))
    recorder.close()
    done = evtui("report", str(path), "--format", "jsonl", env=home)
    assert done.returncode == 0, done.stderr
    assert f"evtui report: {path}: 1 message not a valid payload, left out\n" in done.stderr


def test_the_nevi_export_counts_the_ports_its_file_holds(
    tmp_path: Path, home: dict[str, str]
) -> None:
    # d's first update is the window's last instant: never observed, so no figure of it.
    out = tmp_path / "nevi"
    source = payloads(tmp_path, [*DAY, doc("three", T0 + 24 * H, d="AVAILABLE")])
    done = evtui("report", str(source), "--nevi-export", str(out), env=home)
    assert done.returncode == 0, done.stderr
    assert "(3 ports, 1 never observed in the window left out)" in done.stderr
    rows = (out / "nevi_uptime.csv").read_text().splitlines()[2:]  # (the note, the header)
    assert len(rows) == 3 and not any("threed" in row for row in rows)


def test_a_session_behind_another_is_told_its_late_updates_came_of_that(
    tmp_path: Path, home: dict[str, str]
) -> None:
    # `a` catches up on four hours of backlog while `b`, begun a second later, is live: in
    # receive order a's last two updates come after b's newer one, late against it only.
    now = T0 + 10 * H
    statuses = ["AVAILABLE", "CHARGING", "AVAILABLE", "OUT_OF_ORDER"]
    a = record(
        tmp_path / "a.evtui",
        [(now + i, doc("one", T0 + i * H, x=s)) for i, s in enumerate(statuses)],
    )
    b = record(tmp_path / "b.evtui", [(now + 1.5, doc("one", now, x="AVAILABLE"))])
    done = evtui("report", str(a), str(b), "--by", "evse", "--format", "jsonl", env=home)
    [row] = jsonl(done)
    assert row["late"] == 2
    assert (
        f"evtui report: {a}: 2 updates came after newer ones another session had received "
        f"first (it was behind: catching up?), so are late, not applied; a report of {a} "
        "alone applies them\n"
    ) in done.stderr
    # As said: alone, none of a's updates is late, and each is a change.
    alone = evtui("report", str(a), "--by", "evse", "--format", "jsonl", env=home)
    [row] = jsonl(alone)
    assert (row["late"], row["changes"]) == (0, 2)  # (the third at the window's end)
    assert "came after newer ones" not in alone.stderr
    # A late update of a session's own (older than one it had itself) is no such case.
    own = record(tmp_path / "own.evtui", [
        (now + 1, doc("one", now + 60, x="CHARGING")),
        (now + 2, doc("one", now - 60, x="AVAILABLE")),
    ])  # fmt: skip
    other = record(tmp_path / "d.evtui", [(now + 1.5, doc("two", now, y="AVAILABLE"))])
    done = evtui("report", str(own), str(other), "--by", "evse", "--format", "jsonl", env=home)
    assert sorted((r["evse"][-4:], r["late"]) for r in jsonl(done)) == [("onex", 1), ("twoy", 0)]
    assert "came after newer ones" not in done.stderr
