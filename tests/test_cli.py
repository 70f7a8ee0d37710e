"""The `evtui` command as a user runs it: real processes, real emulator, real HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from evtui.model import KNOWN_STATUSES


def evtui(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "evtui.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        check=False,
    )


def test_version() -> None:
    result = evtui("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("evtui ")


def test_tail_demo_prints_the_requested_number_of_valid_payloads() -> None:
    result = evtui("tail", "--source", "demo", "--limit", "500", "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 500
    ids = set()
    for line in lines:
        payload = json.loads(line)
        assert payload["id"].startswith("here:evcp:charginglocation:")
        for evse in payload["evses"]:
            assert evse["status"] in KNOWN_STATUSES
            ids.add(evse["id"])
    assert len(ids) > 400  # the initial snapshot covers many EVSEs
    assert "500 payloads" in result.stderr


def test_without_credentials_explains_where_they_go(tmp_path: Path) -> None:
    missing = tmp_path / "nope.properties"
    result = evtui("--credentials", str(missing))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert str(missing) in result.stderr
    assert "evtui check" in result.stderr
    assert "evtui demo" in result.stderr


@pytest.mark.parametrize("command", ["tail", "check"])
def test_plain_http_is_refused_off_loopback(tmp_path: Path, command: str) -> None:
    creds = tmp_path / "c.properties"
    creds.write_text(
        "here.user.id=u\nhere.client.id=c\nhere.access.key.id=k\n"
        "here.access.key.secret=s3cr3t-value\n"
        "here.token.endpoint.url=https://account.api.here.com/oauth2/token\n"
    )
    creds.chmod(0o600)
    result = evtui(
        command,
        "--credentials",
        str(creds),
        "--lookup-url",
        "http://example.com/lookup/v1",
        timeout=30,
    )
    assert result.returncode != 0
    assert "https" in (result.stdout + result.stderr).lower()
    assert "s3cr3t-value" not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
