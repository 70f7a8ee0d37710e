"""End to end: `evtui tail --format jsonl` reading a backlog from the emulator over loopback HTTP.

    .venv/bin/python benchmarks/bench_tail.py [--quick] [--json FILE]

The emulator (this process, its own thread) holds N messages of the demo's network, published
before the run; `evtui tail --from earliest --limit N --format jsonl > /dev/null` runs as its
own process, through the real HERE client: token, API Lookup, subscribe, polls, commits. The
figure is N over the whole run of that process, start-up and sign-in included. The reference,
in the same run, is that process's start-up alone (`evtui tail --limit 0`-like: `--version`).
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _harness import Figure, arguments, report
from bench_decode import messages

from evtui.emulator import EmulatorConfig, EmulatorServer

EVTUI = [sys.executable, "-m", "evtui.cli"]
# As an installed program runs: with its bytecode cached (some sandboxes turn caching off).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def main() -> None:
    args = arguments(__doc__).parse_args()
    count = 20_000 if args.quick else 100_000
    config = EmulatorConfig(live=False, poll_wait=0.2, partitions=4)
    with EmulatorServer(config) as server, tempfile.TemporaryDirectory() as tmp:
        for message in messages(count):
            assert isinstance(message.data, str)
            document = gzip.decompress(base64.b64decode(message.data))
            server.emulator.publish(document, key=json.loads(document)["id"])
        credentials = server.write_credentials(Path(tmp) / "credentials.properties")
        command = [
            *EVTUI,
            "tail",
            "--credentials",
            str(credentials),
            "--lookup-url",
            server.lookup_url,
            "--from",
            "earliest",
            "--format",
            "jsonl",
            "--limit",
            str(count),
        ]
        warm_up = [*command[:-1], "1", "--consumer-id", "warm-up"]
        subprocess.run(warm_up, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
        runs = []
        for run in range(1 if args.quick else 2):
            started = time.perf_counter()
            done = subprocess.run(
                [*command, "--consumer-id", f"run-{run}"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                env=ENV,
            )
            runs.append(time.perf_counter() - started)
            if done.returncode != 0:
                raise SystemExit(f"evtui tail failed: {done.stderr.decode()}")
        started = time.perf_counter()
        subprocess.run([*EVTUI, "--version"], stdout=subprocess.DEVNULL, check=True, env=ENV)
        startup = time.perf_counter() - started
    rate = count / min(runs)
    report(
        "bench_tail",
        [
            Figure(
                "evtui tail --format jsonl from the emulator",
                rate,
                "messages/s",
                ">= 20,000",
                rate >= 20_000,
                reference="process start-up, s",
                reference_value=startup,
                note=f"{count:,} messages in {min(runs):.2f} s, start-up and sign-in included",
            )
        ],
        args.json,
    )


if __name__ == "__main__":
    main()
