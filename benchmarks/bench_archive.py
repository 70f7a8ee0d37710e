"""The archive: `report --archive` over a month of a continent, against the session report;
bytes per status change on disk; what archiving costs a recorder.

    .venv/bin/python benchmarks/bench_archive.py [--quick] [--json FILE]

The synthetic archive (30 days of 500,000 EVSEs at ten changes per EVSE a day: 150,000,000
rows; 3 days of 50,000 EVSEs with --quick) is generated directly by DuckDB, one file a day,
in the layout and schema evtui writes, and kept in the temporary directory for the next run.
Each report runs in a fresh process as a user runs it, with DuckDB's memory bound at 2 GB;
its peak RSS is the child's. The session comparison archives bench_recording's session
(1,000,000 messages) and reports over both.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _harness import Figure, arguments, report
from bench_recording import batches, build

from evtui.archive import add_sessions
from evtui.archive.engine import connect
from evtui.archive.follow import Follower
from evtui.archive.schema import SCHEMA_KEY, SCHEMA_VERSION
from evtui.model import Batch, MonitorState, decode
from evtui.model.state import BINARY_VERSION, DELTA_VERSION
from evtui.recording import FORMAT_VERSION, Recorder, SessionOrigin

START_US = 1_793_491_200_000_000  # 2026-11-01T00:00:00Z
DAY_US = 86_400_000_000
CYCLE = ["AVAILABLE", "CHARGING", "AVAILABLE", "CHARGING", "AVAILABLE", "OUT_OF_ORDER",
         "AVAILABLE", "CHARGING", "UNKNOWN", "RESERVED"]  # fmt: skip
"""Each EVSE walks this cycle (no two neighbours alike): uptime near 90 %, outages of hours."""


def synthesize(directory: Path, days: int, evses: int, per_day: int = 10) -> int:
    """Write the synthetic archive; returns its rows. Kept once whole (a marker file)."""
    done = directory / ".complete"
    rows = days * evses * per_day
    if done.exists():
        return rows
    db = connect()
    cycle = "[" + ", ".join(f"'{s}'" for s in CYCLE) + "]"
    slot = DAY_US // per_day
    for day in range(days):
        folder = directory / "status_changes" / f"date=2026-11-{day + 1:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        db.execute(f"""
            COPY (
                SELECT make_timestamp(t::BIGINT)::TIMESTAMPTZ AS "time", location, evse,
                       {cycle}[(e + k) % 10 + 1] AS status,
                       CASE WHEN k = 0 THEN NULL ELSE {cycle}[(e + k - 1) % 10 + 1] END
                           AS previous,
                       make_timestamp((t + 2000000)::BIGINT)::TIMESTAMPTZ AS received,
                       'bench' AS session, k AS seq
                FROM (
                    SELECT e, {day * per_day} + j AS k,
                           {START_US + day * DAY_US} + j * {slot}
                               + (hash(e, {day}, j) % {slot})::BIGINT AS t,
                           'here:evcp:charginglocation:276' || substr(md5((e // 3)::VARCHAR), 1, 10)
                               || '-' || to_base64(('here-ev:bench:' || (e // 3))::BLOB)
                               AS location,
                           'here:evcp:evse:' || substr(md5(e::VARCHAR), 1, 20) AS evse
                    FROM range({evses}) r(e), range({per_day}) s(j)
                )
                ORDER BY location, evse, "time"
            ) TO '{folder / "bench-0.parquet"}'
            (FORMAT parquet, COMPRESSION zstd, KV_METADATA {{{SCHEMA_KEY}: '{SCHEMA_VERSION}'}})
        """)
        print(f"  day {day + 1}: {time.perf_counter() - started:.1f} s", flush=True)
    coverage = directory / "coverage"
    coverage.mkdir(exist_ok=True)
    db.execute(f"""
        COPY (SELECT 'bench' AS writer, 'bench' AS session,
                     make_timestamp({START_US})::TIMESTAMPTZ AS received_from,
                     make_timestamp({START_US + days * DAY_US})::TIMESTAMPTZ AS received_to,
                     {rows}::BIGINT AS messages,
                     make_timestamp({START_US + days * DAY_US - 1})::TIMESTAMPTZ AS newest_update,
                     true AS closed)
        TO '{coverage / "bench-0.parquet"}'
        (FORMAT parquet, KV_METADATA {{{SCHEMA_KEY}: '{SCHEMA_VERSION}'}})
    """)
    done.touch()
    return rows


ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
"""As an installed program runs: with its bytecode cached (some sandboxes turn caching off)."""


def timed(command: list[str]) -> tuple[float, float]:
    """Seconds and peak RSS (MB) of a fresh `evtui` process."""
    started = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    subprocess.run([sys.executable, "-m", "evtui.cli", *command], check=True,
                   capture_output=True, env=ENV)  # fmt: skip
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of children is the largest so far: only a new peak is this child's own.
    return seconds, (peak if peak > before else before) / 1024


def archiving_cost(count: int, rounds: int = 3) -> tuple[float, float, float]:
    """Ingest rates (messages/s) of a live recorder (decode, the monitor's state, the session
    file) alone and with `record --archive`'s follower process archiving the file as it grows
    (a file of changes every second here, every three minutes there): the best of `rounds`
    each; and the seconds the follower took after the recording ended to finish."""
    chunks = list(batches(count))
    without, with_, catch_up = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(rounds):
            for archived in (False, True):
                state = MonitorState()
                path = Path(tmp) / f"cost-{n}-{archived}.evtui"
                recorder = Recorder.create(path, SessionOrigin("benchmark", "demo"))
                follower = None
                if archived:
                    follower = Follower(path, Path(tmp) / f"a-{n}", "bench", f"s{n}", every=1.0)
                    time.sleep(1.0)  # as a recorder runs: its follower is up before the stream
                started = time.perf_counter()
                for chunk in chunks:
                    batch = Batch(tuple(decode(m) for m in chunk))
                    state.apply(batch)
                    recorder.record(batch)
                rate = count / (time.perf_counter() - started)
                recorder.close()
                if follower is not None:
                    ended = time.perf_counter()
                    follower.finish()
                    catch_up.append(time.perf_counter() - ended)
                (with_ if archived else without).append(rate)
    return max(without), max(with_), min(catch_up)


def main() -> None:
    args = arguments(__doc__).parse_args()
    days, evses = (3, 50_000) if args.quick else (30, 500_000)
    messages = 50_000 if args.quick else 1_000_000
    big = Path(tempfile.gettempdir()) / f"evtui-bench-archive-v{SCHEMA_VERSION}b-{days}x{evses}"
    print(f"synthetic archive in {big}", flush=True)
    rows = synthesize(big, days, evses)
    size = sum(p.stat().st_size for p in (big / "status_changes").rglob("*.parquet"))
    report_cmd = ["report", "--archive", str(big), "--format", "jsonl", "--memory-limit", "2GB"]
    with tempfile.TemporaryDirectory() as tmp:
        by_network, rss_network = timed([*report_cmd, "--by", "network", "-o", f"{tmp}/n"])
        by_evse, rss_evse = timed([*report_cmd, "--by", "evse", "-o", f"{tmp}/e"])

        name = f"evtui-bench-v{FORMAT_VERSION}-c{BINARY_VERSION}.{DELTA_VERSION}-{messages}.evtui"
        session = Path(tempfile.gettempdir()) / name
        if not session.exists():
            print(f"building a session of {messages:,} messages in {session}", flush=True)
            build(session, messages)
        small = Path(tmp) / "archive"
        started = time.perf_counter()
        add_sessions([session], small, "bench")
        archiving = time.perf_counter() - started
        slice_archive, _ = timed(["report", "--archive", str(small), "--by", "evse",
                                  "--format", "jsonl", "-o", f"{tmp}/a"])  # fmt: skip
        slice_session, _ = timed(["report", str(session), "--by", "evse",
                                  "--format", "jsonl", "-o", f"{tmp}/s"])  # fmt: skip
    without, with_, catch_up = archiving_cost(messages // 5 if not args.quick else messages)
    cost = 100 * (without / with_ - 1)
    scale = rows / 150_000_000
    figures = [
        Figure(f"report --archive --by network, {rows:,} changes", by_network, "s",
               f"< {10 * scale:g} s", by_network < 10 * scale),
        Figure(f"report --archive --by evse, {rows:,} changes", by_evse, "s",
               f"< {60 * scale:g} s", by_evse < 60 * scale),
        Figure("peak RSS of report --archive", max(rss_network, rss_evse), "MB", "< 4096 MB",
               max(rss_network, rss_evse) < 4096),
        Figure("on disk per status change", size / rows, "bytes", "<= 16", size / rows <= 16),
        Figure(f"report --by evse, {messages:,}-message session: archive", slice_archive, "s",
               ">= 20x faster", slice_session / slice_archive >= 20, "sessions", slice_session),
        Figure(f"evtui archive of the {messages:,}-message session", archiving, "s", "", None),
        Figure("archiving's cost to a live recorder", cost, "% of ingest", "<= 10 %",
               cost <= 10, "recorder alone (messages/s)", without),
        Figure("the archive's follower done after the recording", catch_up, "s", "", None),
    ]  # fmt: skip
    report("bench_archive", figures, args.json)


if __name__ == "__main__":
    main()
