"""Shared fixtures: a real emulator on a loopback port, and credentials for it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from evtui.emulator import EmulatorConfig, EmulatorServer
from evtui.here import Credentials, parse_credentials

# Tests send Ctrl-C (SIGINT) to the commands they start. A suite started in the background of a
# shell script inherits SIGINT ignored (POSIX: no job control), every command it starts too, and
# a recorder then rightly ignores Ctrl-C: the test hung. A handler is not inherited across exec,
# so this gives each child the default again (and lets Ctrl-C stop the suite itself).
signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(autouse=True)
def _own_user_directories(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each test has config, data and cache directories of its own, and so do the commands it
    starts (they inherit the environment): none reads or writes the user's, whose directory
    cache would change the places a report or an export prints."""
    root = tmp_path_factory.mktemp("user")
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(name, str(root / name.lower()))


def evtui(
    *args: str, env: dict[str, str] | None = None, stdin: str | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run the `evtui` command in a fresh process, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "evtui.cli", *args],
        capture_output=True,
        text=True,
        input=stdin,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        check=False,
    )


def location_doc(n: int, status: str = "AVAILABLE", evses: int = 1) -> dict[str, object]:
    """A payload as HERE publishes it, for location number `n`."""
    return {
        "id": f"here:evcp:charginglocation:{n:032x}",
        "evses": [
            {
                "id": f"here:evcp:evse:{n:032x}{i:032x}",
                "status": status,
                "last_updated": f"2026-11-25T10:{i % 60:02d}:00Z",
            }
            for i in range(evses)
        ],
    }


@pytest.fixture
def server() -> Iterator[EmulatorServer]:
    """An emulator with no synthetic traffic: tests publish exactly what they read back."""
    config = EmulatorConfig(live=False, poll_wait=0.1, partitions=4, max_poll_records=50)
    with EmulatorServer(config) as running:
        yield running


@pytest.fixture
def credentials(server: EmulatorServer) -> Credentials:
    return parse_credentials(server.credentials_text())


@pytest.fixture
def credentials_file(server: EmulatorServer, tmp_path: Path) -> Path:
    return server.write_credentials(tmp_path / "credentials.properties")
