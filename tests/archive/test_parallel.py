"""Recorders that split the stream's partitions through HERE's parallel mode, each writing its
own files into one archive: a report over the archive sees the whole network once, as a
recorder of everything (the stand-in) does."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from evtui.emulator import EmulatorServer
from tests.conftest import evtui
from tests.reliability.test_live import stamp

T0 = 1_795_600_800.0
STATUSES = ["AVAILABLE", "CHARGING", "OUT_OF_ORDER", "AVAILABLE", "UNKNOWN", "CHARGING"]


def recorder(*args: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "evtui.cli", "record", *args],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def test_parallel_recorders_archive_the_network_once(
    server: EmulatorServer, credentials_file: Path, tmp_path: Path
) -> None:
    home = {"XDG_DATA_HOME": str(tmp_path / "data"), "XDG_CONFIG_HOME": str(tmp_path / "cfg"),
            "XDG_CACHE_HOME": str(tmp_path / "cache")}  # fmt: skip
    archive = tmp_path / "archive"
    live = ["--credentials", str(credentials_file), "--lookup-url", server.lookup_url,
            "--from", "earliest", "--duration", "12"]  # fmt: skip
    group = ["--mode", "parallel", "--consumer-id", "recorders", "--archive", str(archive)]
    procs = [
        recorder(*live, *group, "--writer", f"w{n}", "-o", str(tmp_path / f"w{n}.evtui"), env=home)
        for n in (1, 2)
    ]
    stand_in = recorder(*live, "--consumer-id", "everything", "-o", str(tmp_path / "all.evtui"),
                        env=home)  # fmt: skip
    deadline = time.monotonic() + 20
    while server.emulator.live_subscriptions() < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert server.emulator.live_subscriptions() == 3, "the recorders did not subscribe"
    # Thirty locations of two EVSEs, each through six statuses a quarter of an hour apart.
    for step, status in enumerate(STATUSES):
        for n in range(30):
            at = T0 + step * 900 + n
            server.emulator.publish({
                "id": f"here:evcp:charginglocation:{n:032x}",
                "evses": [{"id": f"here:evcp:evse:{n:032x}{e}", "status": STATUSES[(step + e * n)
                           % len(STATUSES)] if e else status, "last_updated": stamp(at)}
                          for e in range(2)],
            })  # fmt: skip
    for proc in [*procs, stand_in]:
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
    # Each writer archived a share: the partitions were split between them.
    db = duckdb.connect()
    rows = dict(db.execute(
        f"SELECT writer, sum(messages) FROM read_parquet('{archive}/coverage/*.parquet') "
        "GROUP BY writer"
    ).fetchall())  # fmt: skip
    assert set(rows) == {"w1", "w2"} and all(count > 0 for count in rows.values()), rows
    options = ["--by", "evse", "--format", "jsonl"]
    over_archive = evtui("report", "--archive", str(archive), *options, env=home)
    over_all = evtui("report", str(tmp_path / "all.evtui"), *options, env=home)
    assert over_archive.returncode == 0, over_archive.stderr
    assert over_archive.stdout.count("\n") == 60
    assert over_archive.stdout == over_all.stdout
