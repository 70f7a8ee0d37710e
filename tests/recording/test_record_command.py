"""`evtui record`, then `evtui tail --source SESSION` and `evtui sessions`, as a user runs them:
real processes, the real emulator over loopback HTTP, real files."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from evtui.defaults import EV_CATALOG, EV_LAYER
from evtui.emulator import EmulatorServer
from evtui.model import Accepted, decode
from evtui.recording import SessionError, SessionReader
from tests.conftest import location_doc
from tests.recording.helpers import evtui, network_messages, record_session

STATUSES = ("AVAILABLE", "CHARGING", "BLOCKED", "OUT_OF_ORDER")


@pytest.fixture
def home(tmp_path: Path) -> dict[str, str]:
    """XDG directories of a user of our own: no watchlist, no sessions, no settings."""
    return {
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }


def rejected_lines(stderr: str) -> list[tuple[int, int, str]]:
    """(partition, offset, reason) of each `rejected:` line tail printed."""
    found = re.findall(r"^rejected: partition (\d+) offset (\d+): ([^:]+):", stderr, re.M)
    return [(int(p), int(o), reason) for p, o, reason in found]


def session_documents(path: Path) -> list[dict[str, Any]]:
    """The valid payloads of a session, in recorded order, decoded in-process."""
    with SessionReader(path) as reader:
        return [
            json.loads(item.document)
            for chunk in reader.read()
            for _, message in chunk
            if isinstance(item := decode(message), Accepted)
        ]


def test_a_recording_of_the_platform_replays_every_payload_and_commits_only_what_it_holds(
    server: EmulatorServer, credentials_file: Path, tmp_path: Path, home: dict[str, str]
) -> None:
    emulator = server.emulator
    published: dict[tuple[int, int], dict[str, Any] | str] = {}
    for n in range(130):
        # Ten locations reporting again and again: the order within each one matters.
        doc: dict[str, Any] = location_doc(n % 10, STATUSES[n % 4], evses=1 + n % 3)
        doc["evses"][0]["last_updated"] = f"2026-11-25T11:{n // 60:02d}:{n % 60:02d}Z"
        published[emulator.publish(doc)] = doc
        if n % 33 == 5:
            kind = ("base64", "gzip", "json", "schema")[n // 33]
            published[emulator.publish_malformed(kind)] = kind  # type: ignore[arg-type]
    assert len(published) == 134
    live = ["--credentials", str(credentials_file), "--lookup-url", server.lookup_url]

    first = tmp_path / "first.evtui"
    result = evtui(
        "record", *live, "--from", "earliest", "--consumer-id", "rec", "--limit", "120",
        "-o", str(first), env=home,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "120 messages" in result.stderr

    # The session holds 120 messages, each partition's from its first offset on, and the
    # platform has the consumer's offsets committed exactly that far: no further.
    with SessionReader(first) as reader:
        assert reader.count == 120 and not reader.info.interrupted
        assert (reader.info.source_kind, reader.info.catalog, reader.info.layer) == (
            "here",
            EV_CATALOG,
            EV_LAYER,
        )
        recorded = [(m.partition, m.offset) for chunk in reader.read() for _, m in chunk]
    per_partition: dict[int, list[int]] = defaultdict(list)
    for partition, offset in recorded:
        per_partition[partition].append(offset)
    for offsets in per_partition.values():
        assert offsets == list(range(len(offsets)))
    assert emulator.committed("rec") == {p: len(o) for p, o in per_partition.items()}
    assert emulator.live_subscriptions() == 0

    # Recording on from the committed offsets gets the rest: nothing twice, nothing lost.
    second = tmp_path / "second.evtui"
    result = evtui(
        "record", *live, "--from", "committed", "--consumer-id", "rec", "--limit", "14",
        "-o", str(second), env=home,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    with SessionReader(second) as reader:
        recorded += [(m.partition, m.offset) for chunk in reader.read() for _, m in chunk]
    assert sorted(recorded) == sorted(published)
    assert sum(emulator.committed("rec").values()) == 134

    # tail prints the valid payloads exactly, in the order recorded, which keeps each
    # location's order as published; the malformed ones are kept and reported.
    printed: list[dict[str, Any]] = []
    rejected: list[tuple[int, int, str]] = []
    for session in (first, second):
        result = evtui("tail", "--source", str(session), "--format", "jsonl", env=home)
        assert result.returncode == 0, result.stderr
        printed += [json.loads(line) for line in result.stdout.splitlines()]
        rejected += rejected_lines(result.stderr)
    assert printed == session_documents(first) + session_documents(second)
    valid = [(where, d) for where, d in published.items() if not isinstance(d, str)]
    assert len(printed) == len(valid) == 130
    by_location: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for doc in printed:
        by_location[doc["id"]].append(doc)
    expected: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for _, sent in sorted(valid):  # a location's messages are in one partition, by offset
        expected[str(sent["id"])].append(sent)
    assert by_location == expected
    reasons = {"base64": "bad base64", "gzip": "bad gzip", "json": "bad JSON"}
    reasons["schema"] = "schema error"
    assert sorted(rejected) == sorted(
        (p, o, reasons[kind]) for (p, o), kind in published.items() if isinstance(kind, str)
    )


def test_a_recording_killed_with_sigkill_keeps_what_it_committed(
    tmp_path: Path, home: dict[str, str]
) -> None:
    sessions = Path(home["XDG_DATA_HOME"]) / "evtui" / "sessions"
    sessions.mkdir(parents=True)  # (-o makes no missing folder)
    path = sessions / "killed.evtui"
    proc = subprocess.Popen(
        [sys.executable, "-m", "evtui.cli", "record", "--source", "demo", "--locations", "300",
         "-o", str(path)],
        env={**os.environ, **home},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    seen = 0
    try:
        deadline = time.monotonic() + 30
        while seen < 200 and time.monotonic() < deadline:
            time.sleep(0.2)
            if path.exists():
                try:
                    with SessionReader(path) as reader:
                        seen = reader.count
                except SessionError:
                    pass  # the header is not written yet
        assert seen >= 200, "the recording did not start"
        # While it records, it is listed as recording (it has no end yet, as a killed one).
        going = evtui("sessions", str(sessions), env=home).stdout
        assert re.search(r"\brecording\s+demo .*killed\.evtui$", going, re.M), going
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL

    result = evtui("tail", "--source", str(path), "--format", "jsonl", env=home)
    assert result.returncode == 0, result.stderr
    printed = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(printed) >= seen
    assert all(doc["id"].startswith("here:evcp:charginglocation:") for doc in printed)
    with SessionReader(path) as reader:
        assert reader.info.interrupted
        assert reader.count == len(printed)

    # A clean recording beside it, and a file that is no session at all.
    record_session(sessions / "clean.evtui", network_messages(locations=4, hours=1))
    (sessions / "junk.evtui").write_text("not a session\n")
    result = evtui("sessions", env=home)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert str(sessions) in lines[0]
    killed = next(line for line in lines if "killed.evtui" in line)
    assert re.search(rf"\b{len(printed):,}\b.*\binterrupted\b", killed), killed
    assert "demo (emulated HERE" in killed
    clean = next(line for line in lines if "clean.evtui" in line)
    assert "complete" in clean and "interrupted" not in clean
    junk = next(line for line in lines if "junk.evtui" in line)
    assert "unreadable" in junk and "not an SQLite file" in junk


def test_payloads_piped_in_are_recorded_and_replayed(tmp_path: Path, home: dict[str, str]) -> None:
    docs = [location_doc(n, STATUSES[n % 4], evses=2) for n in range(25)]
    # As `olp catalog layer stream get` prints them: indented objects between delimiter lines,
    # with one object cut short among them.
    parts = [json.dumps(doc, indent=2) for doc in docs]
    parts.insert(10, '{"id": "here:evcp:charginglocation:cut", "evses": [')
    text = "\n-----\n".join(parts) + "\n"
    path = tmp_path / "piped.evtui"

    result = evtui("record", "--source", "-", "-o", str(path), env=home, stdin=text)
    assert result.returncode == 0, result.stderr
    assert "26 messages (1 rejected)" in result.stderr
    with SessionReader(path) as reader:
        assert (reader.count, reader.info.source_kind) == (26, "stdin")
        assert not reader.info.interrupted

    result = evtui("tail", "--source", str(path), "--format", "jsonl", env=home)
    assert result.returncode == 0, result.stderr
    assert [json.loads(line) for line in result.stdout.splitlines()] == docs
    assert "25 payloads, 1 rejected (bad JSON: 1)" in result.stderr


def test_a_full_disk_ends_the_recording_with_a_clear_message_and_keeps_the_rest(
    tmp_path: Path, home: dict[str, str]
) -> None:
    """The file may not grow beyond 1.5 MB (RLIMIT_FSIZE): writes fail as on a full disk."""
    path = tmp_path / "full.evtui"
    # The limit is set in the process itself, before evtui starts (no preexec_fn: that is
    # unsafe in a process with threads).
    small_disk = (
        "import resource, runpy, sys; "
        "resource.setrlimit(resource.RLIMIT_FSIZE, (1_500_000, 1_500_000)); "
        "sys.argv = ['evtui', *sys.argv[1:]]; "
        "runpy.run_module('evtui.cli', run_name='__main__')"
    )
    result = subprocess.run(
        [sys.executable, "-c", small_disk, "record", "--source", "demo", "--locations", "2000",
         "--duration", "30", "-o", str(path)],
        env={**os.environ, **home},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    kept = re.search(
        r"recording to .*full\.evtui failed: .*\(is the disk full\?\); "
        r"the session keeps the ([\d,]+) messages recorded before",
        result.stderr,
    )
    assert kept is not None, result.stderr
    messages = int(kept.group(1).replace(",", ""))
    assert messages > 100

    result = evtui("tail", "--source", str(path), "--format", "jsonl", env=home)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == messages
    with SessionReader(path) as reader:
        assert reader.info.interrupted


def test_a_recording_refused_before_its_first_message_leaves_no_session(
    server: EmulatorServer, credentials_file: Path, tmp_path: Path, home: dict[str, str]
) -> None:
    server.emulator.publish(location_doc(1))
    wrong = tmp_path / "wrong.properties"
    wrong.write_text(
        re.sub(r"(?m)^(here\.access\.key\.secret = ).*$", r"\1not-it", credentials_file.read_text())
    )
    wrong.chmod(0o600)
    live = ["--credentials", str(wrong), "--lookup-url", server.lookup_url]
    named = tmp_path / "refused.evtui"
    result = evtui("record", *live, "--limit", "5", "-o", str(named), env=home)
    assert result.returncode == 1
    assert f"evtui record: nothing recorded; {named} not kept" in result.stderr
    assert "wrong.; " not in result.stderr  # HERE's sentence and the hint, one stop between
    assert not named.exists() and list(tmp_path.glob("refused.evtui*")) == []
    # In the sessions directory too: `sessions` lists nothing.
    result = evtui("record", *live, "--limit", "5", env=home)
    assert result.returncode == 1
    assert evtui("sessions", env=home).stdout.count(".evtui") == 0


def test_a_look_with_tail_takes_nothing_from_the_recorders_default_group(
    server: EmulatorServer, credentials_file: Path, tmp_path: Path, home: dict[str, str]
) -> None:
    live = ["--credentials", str(credentials_file), "--lookup-url", server.lookup_url]
    committed = [*live, "--from", "committed"]  # no --consumer-id: the stable defaults
    first, second = tmp_path / "first.evtui", tmp_path / "second.evtui"

    def publish(numbers: range) -> None:
        for n in numbers:  # seven locations: every partition they key to gets some
            doc: dict[str, Any] = location_doc(n % 7)
            doc["evses"][0]["last_updated"] = f"2026-11-25T11:00:{n:02d}Z"
            server.emulator.publish(doc)

    # A group with nothing committed starts at the latest message: publish once it listens.
    recording = subprocess.Popen(
        [sys.executable, "-m", "evtui.cli", "record", *committed, "--limit", "20",
         "-o", str(first)],
        env={**os.environ, **home}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while server.emulator.live_subscriptions() == 0:
        assert time.monotonic() < deadline and recording.poll() is None
        time.sleep(0.05)
    publish(range(20))
    assert recording.wait(timeout=60) == 0
    publish(range(20, 60))  # while no recorder runs
    # A look with `tail`: in the recorder's group it would take 20 of them from it.
    looked = evtui("tail", *committed, "--limit", "20", "--timeout", "3", env=home)
    assert looked.returncode == 0, looked.stderr
    result = evtui(
        "record", *committed, "--limit", "40", "--duration", "20", "-o", str(second), env=home
    )
    assert result.returncode == 0, result.stderr
    # The two recordings hold all 60, once each: the look in between took none of them.
    recorded = session_documents(first) + session_documents(second)
    assert sorted(d["evses"][0]["last_updated"] for d in recorded) == sorted(
        f"2026-11-25T11:00:{n:02d}Z" for n in range(60)
    )


def test_a_recorder_that_never_reaches_the_platform_fails_and_leaves_no_session(
    server: EmulatorServer, credentials_file: Path, tmp_path: Path, home: dict[str, str]
) -> None:
    # The platform's address with nothing listening: the recorder retries until --duration.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    here = f"127.0.0.1:{server.port}"
    unreachable = tmp_path / "unreachable.properties"
    unreachable.write_text(credentials_file.read_text().replace(here, f"127.0.0.1:{closed}"))
    unreachable.chmod(0o600)
    named = tmp_path / "never.evtui"
    result = evtui(
        "record", "--credentials", str(unreachable), "--lookup-url",
        server.lookup_url.replace(here, f"127.0.0.1:{closed}"),
        "--duration", "2", "-o", str(named), env=home,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert "evtui record: never connected (cannot reach the token endpoint" in result.stderr
    assert f"nothing recorded, {named} not kept" in result.stderr
    assert not named.exists()


def test_a_session_of_a_quiet_stream_is_kept_and_reports_nothing(
    server: EmulatorServer, credentials_file: Path, tmp_path: Path, home: dict[str, str]
) -> None:
    live = ["--credentials", str(credentials_file), "--lookup-url", server.lookup_url]
    named = tmp_path / "quiet.evtui"
    result = evtui("record", *live, "--duration", "1", "-o", str(named), env=home)
    assert result.returncode == 0, result.stderr
    assert "0 messages in" in result.stderr and named.exists()
    # Not a table of no rows "from 1970-01-01", which would read as a quiet network.
    report = evtui("report", str(named), env=home)
    assert report.returncode == 1
    assert report.stdout == ""
    assert "nothing to report: no status update in what was read" in report.stderr
