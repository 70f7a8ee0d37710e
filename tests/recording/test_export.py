"""`evtui export`: every status change of a session, as the payloads imply them."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from evtui.commands.places import PLACE_FIELDS
from evtui.model import Accepted, StreamMessage, decode
from evtui.model.location_id import IdFacts, decode_location_id
from evtui.recording import SessionReader
from tests.recording.helpers import (
    FIELDS,
    document_of,
    evtui,
    gzip64,
    implied_changes,
    network_messages,
    record_session,
    row,
)


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    """A session of the synthetic network, malformed messages included, ending with one
    payload that changes a known EVSE and then names a new one."""
    messages = network_messages(locations=12, hours=24)
    documents = [doc for m in messages if (doc := document_of(m)) is not None]
    known = documents[0]["evses"][0]
    both = {
        "id": documents[0]["id"],
        "evses": [
            {**known, "status": "RESERVED", "last_updated": "2026-11-30T10:00:00Z"},
            {
                "id": "here:evcp:evse:new",
                "status": "AVAILABLE",
                "last_updated": "2026-11-30T09:00:00Z",
            },
        ],
    }
    documents.append(both)
    at = messages[-1].received_at + 1
    messages.append(StreamMessage(0, 10**6, gzip64(both), received_at=at))
    path = tmp_path_factory.mktemp("export") / "s.evtui"
    record_session(path, messages)
    return path, documents


def facts_of(facts: IdFacts) -> tuple[str | None, float, float]:
    return (facts.alpha3, facts.lat, facts.lng)


def test_csv_lists_every_status_change_the_payloads_imply(
    session: tuple[Path, list[dict[str, Any]]],
) -> None:
    path, documents = session
    result = evtui("export", str(path), "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    # No directory: name and operator are empty; country and position are the id's own.
    for r in rows:
        place = [r.pop(k) for k in PLACE_FIELDS]
        facts = decode_location_id(r["location"])
        if facts is None:  # the test's own odd ids
            assert place == ["", "", "", "", ""]
        else:
            assert place[:2] == ["", ""]
            assert (place[2], float(place[3]), float(place[4])) == facts_of(facts)
    assert sum(1 for d in documents if decode_location_id(str(d["id"]))) > 100
    expected = implied_changes(documents)
    assert rows == expected
    assert len(rows) > 1000
    # The oddities are in it: a status outside OCPI's list, an EVSE first seen late.
    assert any(row["new"] == "FOO" for row in rows)
    depot, first_evse = documents[0]["id"], documents[0]["evses"][0]["id"]
    assert rows[-2:] == [
        row("2026-11-30T10:00:00Z", depot, first_evse, rows[-2]["old"], "RESERVED"),
        row("2026-11-30T09:00:00Z", depot, "here:evcp:evse:new", "", "AVAILABLE"),
    ]
    assert f"{len(rows):,} status changes" in result.stderr
    # The malformed messages are counted, as the session holds them: read by the reader.
    with SessionReader(path) as reader:
        messages = [m for chunk in reader.read() for _, m in chunk]
    refused = sum(not isinstance(decode(m), Accepted) for m in messages)
    assert refused > 10
    assert (
        f"from {len(messages):,} messages ({refused:,} of them no valid payload, left out)\n"
    ) in result.stderr


def test_jsonl_to_a_file_holds_the_same_changes(
    session: tuple[Path, list[dict[str, Any]]], tmp_path: Path
) -> None:
    path, documents = session
    out = tmp_path / "changes.jsonl"
    result = evtui("export", str(path), "--format", "jsonl", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    for r in rows:  # the id's own country and position, numbers in JSON; no names
        place = [r.pop(k) for k in PLACE_FIELDS]
        facts = decode_location_id(r["location"])
        assert place == ([None] * 5 if facts is None else [None, None, *facts_of(facts)])
    expected = [{**row, "old": row["old"] or None} for row in implied_changes(documents)]
    assert rows == expected


def test_an_output_that_is_a_session_is_refused_and_the_session_kept(
    session: tuple[Path, list[dict[str, Any]]], tmp_path: Path
) -> None:
    path, _ = session
    copy = tmp_path / "copy.evtui"
    copy.write_bytes(path.read_bytes())
    before = copy.read_bytes()
    for command in ("export", "report"):
        # The input itself, then another session: either would have been written over.
        for target in (copy, path):
            result = evtui(command, str(copy), "-o", str(target))
            assert result.returncode == 2, result.stderr
            assert result.stderr.startswith(f"evtui: -o {target} is "), result.stderr
            assert "Traceback" not in result.stderr
    assert copy.read_bytes() == before and path.stat().st_size > 0


def test_an_output_that_cannot_be_written_is_said_in_words_and_leaves_nothing(
    session: tuple[Path, list[dict[str, Any]]], tmp_path: Path
) -> None:
    path, _ = session
    for target, said in (
        (tmp_path / "nowhere" / "x.csv", f"no folder {tmp_path / 'nowhere'}"),
        (tmp_path, "is a directory"),
    ):
        result = evtui("export", str(path), "-o", str(target))
        assert result.returncode == 1
        assert result.stderr == f"evtui: -o {target}: {said}\n"
    # A file written whole: no half-written one under its name or a temporary one beside it.
    out = tmp_path / "changes.csv"
    assert evtui("export", str(path), "--format", "csv", "-o", str(out)).returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["changes.csv"]


def test_an_empty_session_exports_a_header_only(tmp_path: Path) -> None:
    path = tmp_path / "empty.evtui"
    record_session(path, [])
    result = evtui("export", str(path), "--format", "csv")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [",".join([*FIELDS, *PLACE_FIELDS])]


def test_rows_name_their_location_from_the_directory_cache(tmp_path: Path) -> None:
    from evtui.directory import DirectoryCache
    from evtui.model.directory import parse_location
    from tests.directory.records import location_id, v3_record

    lid = location_id(1)
    payload = {
        "id": lid,
        "evses": [
            {"id": "here:evcp:evse:a", "status": "CHARGING", "last_updated": "2026-11-30T09:00:00Z"}
        ],
    }
    path = tmp_path / "s.evtui"
    at = 1_796_029_260.0  # 2026-11-30T09:01:00Z
    message = StreamMessage(0, 0, gzip64(payload), timestamp=int(at * 1000), received_at=at)
    record_session(path, [message])
    cache_home = tmp_path / "cache"
    with DirectoryCache.open(cache_home / "evtui" / "directory.sqlite") as cache:
        cache.put([(v3_record(1), parse_location(v3_record(1), 0.0))])
    result = evtui("export", str(path), env={"XDG_CACHE_HOME": str(cache_home)})
    assert result.returncode == 0, result.stderr
    assert result.stdout, result.stderr
    line = json.loads(result.stdout)
    assert (line["location"], line["name"], line["operator"], line["country"]) == (
        lid,
        "Ladepark 1",
        "IONITY",
        "DEU",
    )
    assert line["lat"] == 52.47701 and line["lng"] == 13.3618


def test_a_directory_is_said_to_be_one(tmp_path: Path) -> None:
    (tmp_path / "emptyarch").mkdir()
    result = evtui("export", str(tmp_path / "emptyarch"))
    assert result.returncode == 1
    assert result.stderr == f"evtui: {tmp_path / 'emptyarch'} is a directory, not a session file\n"
