"""`evtui report` over a long session: the time a user waits for the figures.

    .venv/bin/python benchmarks/bench_report.py [--quick] [--json FILE]

The session is bench_recording's (1,000,000 messages of the seeded synthetic network, 50,000
with --quick; built once with the real Recorder and kept in the temporary directory). The
command runs in a fresh process, as a user runs it, per location and per EVSE, writing JSON
lines to a file; the reference is reading and decoding the same session without figures.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _harness import Figure, arguments, report
from bench_recording import build

from evtui.model import decode
from evtui.model.state import BINARY_VERSION, DELTA_VERSION
from evtui.recording import FORMAT_VERSION, SessionReader


def timed_report(session: Path, by: str, out: Path) -> float:
    command = [sys.executable, "-m", "evtui.cli", "report", str(session), "--by", by,
               "--format", "jsonl", "-o", str(out)]  # fmt: skip
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - started


def read_only(session: Path) -> float:
    started = time.perf_counter()
    with SessionReader(session) as reader:
        for chunk in reader.read():
            for _, message in chunk:
                decode(message)
    return time.perf_counter() - started


def main() -> None:
    args = arguments(__doc__).parse_args()
    messages = 50_000 if args.quick else 1_000_000
    name = f"evtui-bench-v{FORMAT_VERSION}-c{BINARY_VERSION}.{DELTA_VERSION}-{messages}.evtui"
    session = Path(tempfile.gettempdir()) / name
    if not session.exists():
        print(f"building a session of {messages:,} messages in {session}", flush=True)
        build(session, messages)
    with tempfile.TemporaryDirectory() as tmp:
        by_location = timed_report(session, "location", Path(tmp) / "l.jsonl")
        by_evse = timed_report(session, "evse", Path(tmp) / "e.jsonl")
    reading = read_only(session)
    limit = 30.0 * messages / 1_000_000
    figures = [
        Figure(f"report --by location, {messages:,} messages", by_location, "s",
               f"< {limit:g} s", by_location < limit, "read + decode only", reading),
        Figure(f"report --by evse, {messages:,} messages", by_evse, "s",
               f"< {limit:g} s", by_evse < limit, "read + decode only", reading),
    ]  # fmt: skip
    report("bench_report", figures, args.json)


if __name__ == "__main__":
    main()
