"""`evtui record --archive`: the archive a recorder writes as it records, however it ends."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from evtui.archive import ArchiveReader
from evtui.recording import SessionError, SessionReader
from tests.conftest import evtui

REPORT = ["--by", "location", "--format", "jsonl"]


@pytest.fixture
def home(tmp_path: Path) -> dict[str, str]:
    return {
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_CONFIG_HOME": str(tmp_path / "cfg"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }


def recorder(session: Path, archive: Path, home: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "evtui.cli", "record", "--source", "demo", "--locations", "300",
         "-o", str(session), "--archive", str(archive)],
        env={**os.environ, **home},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip


def wait_for_messages(session: Path, count: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        time.sleep(0.2)
        try:
            with SessionReader(session) as reader:
                if reader.count >= count:
                    return
        except SessionError:
            pass  # not created yet
    raise AssertionError("the recording did not start")


def record_until(session: Path, archive: Path, home: dict[str, str], signum: int) -> bytes:
    """Record the demo until 300 messages are in the session, then send `signum`; stderr."""
    proc = recorder(session, archive, home)
    try:
        wait_for_messages(session, 300)
    finally:
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=30)
    if signum != signal.SIGKILL:
        assert proc.returncode == 0, err
    return err


def same_reports(session: Path, archive: Path, home: dict[str, str]) -> None:
    over_session = evtui("report", str(session), *REPORT, env=home)
    over_archive = evtui("report", "--archive", str(archive), *REPORT, env=home)
    assert over_session.returncode == 0, over_session.stderr
    assert over_archive.returncode == 0, over_archive.stderr
    assert over_archive.stdout.count("\n") > 10
    assert over_archive.stdout == over_session.stdout


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_recording_stopped_by_a_signal_leaves_its_whole_archive(
    tmp_path: Path, home: dict[str, str], signum: int
) -> None:
    session, archive = tmp_path / "s.evtui", tmp_path / "archive"
    err = record_until(session, archive, home, signum)
    assert re.search(rb"[\d,]+ status changes to the archive \([\d,]+ files in all\)", err), err
    same_reports(session, archive, home)
    # The recorder closed the session in the archive: adding the file again adds nothing.
    again = evtui("archive", str(session), str(archive), env=home)
    assert "skipped" in again.stderr


def test_a_recorder_killed_outright_still_leaves_a_complete_archive(
    tmp_path: Path, home: dict[str, str]
) -> None:
    session, archive = tmp_path / "s.evtui", tmp_path / "archive"
    record_until(session, archive, home, signal.SIGKILL)
    # The archive's own process sees the recorder gone, reads the file to its end and closes
    # the session in the archive; until then, the files there are whole ones only.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        reader = ArchiveReader(archive)
        assert reader.skipped == []
        complete = reader.complete_sessions()
        reader.close()
        if complete:
            break
        time.sleep(0.3)
    assert complete, "the archive was not completed"
    same_reports(session, archive, home)
    again = evtui("archive", str(session), str(archive), env=home)
    assert "skipped" in again.stderr
