"""The access key secret and the tokens appear nowhere a user or a bug report could see them.

A whole session runs against the emulator (token renewals, lost subscriptions, a refused
token, a debug log, a recording, the monitor's screens), and everything it printed, logged,
recorded or drew is searched for the secret and for every token the emulator handed out.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
import zlib
from pathlib import Path
from urllib.parse import quote

from evtui.emulator import EmulatorServer
from evtui.here import parse_credentials
from evtui.sources import HereSource
from evtui.ui.app import EvtuiApp
from evtui.watchlist import Watchlist
from tests.conftest import evtui, location_doc
from tests.directory.records import location_id, v3_record
from tests.ui.test_app import until


def recording_texts(path: Path) -> list[bytes]:
    """Every value in a session file, checkpoints inflated, plus the raw file bytes."""
    out = [path.read_bytes()]
    wal = path.with_name(path.name + "-wal")
    if wal.exists():
        out.append(wal.read_bytes())
    with sqlite3.connect(path) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            for row in db.execute(f"SELECT * FROM {table}"):
                for value in row:
                    if isinstance(value, bytes):
                        out.append(value)
                        with contextlib.suppress(zlib.error):
                            out.append(zlib.decompress(value))
                    elif value is not None:
                        out.append(str(value).encode())
    return out


def assert_nowhere(secrets: list[str], texts: list[bytes | str], where: str) -> None:
    for secret in secrets:
        forms = {secret, quote(secret, safe=""), quote(secret, safe="-._~")}
        for text in texts:
            data = text.encode() if isinstance(text, str) else text
            for form in forms:
                assert form.encode() not in data, f"a secret appears in {where}"


async def test_no_secret_or_token_in_output_logs_recordings_or_screens(
    server: EmulatorServer, tmp_path: Path
) -> None:
    emulator = server.emulator
    for n in range(40):
        emulator.publish(location_doc(n, evses=2))
    emulator.publish_malformed("json")
    creds = server.write_credentials(tmp_path / "credentials.properties")
    log = tmp_path / "debug.log"
    session = tmp_path / "session.evtui"
    live = ["--credentials", str(creds), "--lookup-url", server.lookup_url, "--from", "earliest"]

    runs = [evtui("check", *live, "--log", str(log), "--directory-url", server.directory_url)]
    emulator.add_location_record(v3_record(1))
    runs += [
        evtui(
            "directory",
            "show",
            "--credentials",
            str(creds),
            "--directory-url",
            server.directory_url,
            location_id(1),
            location_id(2),
            env={"XDG_CACHE_HOME": str(tmp_path / "cache")},
        )
    ]
    emulator.faults.expire_tokens_after = 2  # tokens get refused and renewed mid-run
    emulator.faults.drop_subscriptions_after = 4
    runs += [
        evtui("tail", *live, "--log", str(log), "--limit", "40", "--format", "jsonl"),
        evtui("tail", *live, "--log", str(log), "--limit", "40", "--format", "text"),
        evtui("record", *live, "--log", str(log), "--limit", "41", "-o", str(session)),
    ]
    assert [r.returncode for r in runs] == [0] * 5, [r.stderr for r in runs]
    # A wrong secret: refused, and the refusal quotes neither the right one nor the wrong one.
    wrong = tmp_path / "wrong.properties"
    wrong_secret = "WRONG-" + emulator.config.access_key_secret[::-1]
    wrong.write_text(creds.read_text().replace(emulator.config.access_key_secret, wrong_secret))
    os.chmod(wrong, 0o600)
    refused = evtui(
        "tail", "--credentials", str(wrong), "--lookup-url", server.lookup_url, "--log", str(log)
    )
    assert refused.returncode == 1
    assert "here.access.key.secret" in refused.stderr  # it says which key to look at

    # The monitor: its screens as a user would see them, pictures included.
    source = HereSource(
        parse_credentials(creds.read_text()), lookup_url=server.lookup_url, start="earliest"
    )
    app = EvtuiApp(source, watchlist=Watchlist(tmp_path / "watchlist.json"))
    screens = []
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: app.state.messages >= 41)
        for key in ("question_mark", "escape", "x", "escape", "enter", "escape"):
            await pilot.press(key)
            await pilot.pause(0.1)
            screens.append(app.export_screenshot())
        await pilot.press("q")

    secrets = [emulator.config.access_key_secret, wrong_secret, *emulator.issued]
    assert len(emulator.issued) >= 4  # renewals happened, so there were tokens to leak
    outputs = [r.stdout + r.stderr for r in [*runs, refused]]
    assert_nowhere(secrets, outputs, "the commands' output")
    assert_nowhere(secrets, [log.read_bytes()], "the debug log")
    assert "HTTP Request: POST" in log.read_text()  # the log does record the exchanges
    assert_nowhere(secrets, recording_texts(session), "the recording")
    assert_nowhere(secrets, screens, "the screens")
    assert stat.S_IMODE(log.stat().st_mode) == 0o600


def test_a_credentials_file_others_can_read_is_warned_about(
    server: EmulatorServer, tmp_path: Path
) -> None:
    server.emulator.publish(location_doc(1))
    creds = server.write_credentials(tmp_path / "credentials.properties")
    os.chmod(creds, 0o644)
    live = ["--credentials", str(creds), "--lookup-url", server.lookup_url, "--from", "earliest"]

    result = evtui("tail", *live, "--limit", "1")

    assert result.returncode == 0
    assert "accessible by other users (mode 644)" in result.stderr
    assert f"chmod 600 {creds}" in result.stderr
    os.chmod(creds, 0o600)
    assert "accessible" not in evtui("tail", *live, "--limit", "1").stderr
