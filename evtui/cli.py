"""The `evtui` command: the parser of its command line, and the dispatch to the command's
module in `evtui.commands`.

Imports are lazy: `evtui --version` and `--help` must not pay for Textual, httpx or pydantic.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence

from evtui import __version__
from evtui.commands.argtypes import (
    memory_size,
    port_number,
    positive_float,
    positive_int,
    speed,
)
from evtui.commands.common import EXIT_ERROR, EXIT_INTERRUPTED, fail
from evtui.commands.options import (
    SOURCE_HELP,
    demo_options,
    directory_option,
    live_options,
    log_option,
    mode_option,
    monitor_options,
    record_option,
    writer_option,
)


def build_parser() -> argparse.ArgumentParser:
    """The whole command line: the monitor by default, and the sub-commands."""
    live = live_options()
    log = log_option()
    directory_url = directory_option()
    monitor = monitor_options()
    record = record_option()
    parser = argparse.ArgumentParser(
        prog="evtui",
        description="Monitor HERE's live stream of EV charge-point status updates.",
        parents=[live, log, monitor, record],
        epilog="Without a command, evtui opens the monitor on the live HERE stream. "
        "Try `evtui demo` to see it on the built-in emulated feed, no account needed.",
    )
    parser.add_argument("--version", action="version", version=f"evtui {__version__}")
    parser.add_argument(
        "--source", default=argparse.SUPPRESS, metavar="here|demo|FILE|-", help=SOURCE_HELP
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = commands.add_parser(
        "demo",
        parents=[log, monitor, record],
        help="open the monitor on the built-in emulated HERE feed (no account needed)",
        description="Open the monitor on an emulated HERE platform started for it on "
        "127.0.0.1: the whole real pipeline (OAuth, API Lookup, the stream, the directory) "
        "against a synthetic network, with no account.",
    )
    demo_options(demo)

    tail = commands.add_parser(
        "tail",
        parents=[live, log],
        help="print the decoded stream, one payload per line",
        description="Print each valid payload to stdout; rejected messages go to stderr.",
    )
    tail.add_argument(
        "--source", default=argparse.SUPPRESS, metavar="here|demo|FILE|-", help=SOURCE_HELP
    )
    tail.add_argument(
        "--limit", type=positive_int, metavar="N", help="stop after N valid payloads"
    )
    tail.add_argument("--timeout", type=positive_float, metavar="S", help="stop after S seconds")
    tail.add_argument(
        "--format",
        dest="fmt",
        choices=("jsonl", "text"),
        default="jsonl",
        help="jsonl: each payload as one JSON line; text: a line per EVSE, time, location, "
        "EVSE and status (default: jsonl)",
    )
    mode_option(tail)
    demo_options(tail)

    rec = commands.add_parser(
        "record",
        parents=[live, log],
        help="record a source to a session file without the monitor (for servers)",
        description="Record every message as received, with its receive time, to a session "
        "file. Ends after --duration or --limit, at the end of a file, or on Ctrl-C, SIGTERM or "
        "SIGHUP (the session is then closed cleanly).",
    )
    rec.add_argument(
        "--source", default=argparse.SUPPRESS, metavar="here|demo|FILE|-", help=SOURCE_HELP
    )
    rec.add_argument("--duration", type=positive_float, metavar="S", help="stop after S seconds")
    rec.add_argument("--limit", type=positive_int, metavar="N", help="stop after N messages")
    rec.add_argument(
        "-o",
        "--output",
        metavar="FILE|DIR",
        help="the session file to create, or a directory to make a new one in (default: a "
        "new file in the sessions directory)",
    )
    rec.add_argument(
        "--archive",
        metavar="DIR",
        help="also write the status changes to this archive, a file every few minutes",
    )
    writer_option(rec)
    mode_option(rec)
    demo_options(rec)

    replay = commands.add_parser(
        "replay",
        parents=[monitor],
        help="open the monitor on a recorded session",
        description="Replay a session in the monitor. space pauses, + and - change the speed, "
        "left/right seek 10 s (shift: 1 min), g goes to a time, [ and ] jump between markers.",
    )
    replay.add_argument("file", metavar="FILE", help="the session file (see `evtui sessions`)")
    replay.add_argument(
        "--speed",
        type=speed,
        default=1.0,
        metavar="X",
        help="playback speed, 0.25 to 100, or max (default 1)",
    )
    replay.add_argument(
        "--idle-limit",
        type=positive_float,
        metavar="S",
        help="cut quiet gaps longer than S session seconds down to S",
    )
    replay.add_argument("--paused", action="store_true", help="start paused at the beginning")

    sessions = commands.add_parser(
        "sessions",
        help="list the recorded sessions",
        description="List the sessions in the sessions directory: start, duration, messages, "
        "size, source, and whether the recording was interrupted.",
    )
    sessions.add_argument(
        "directory",
        nargs="?",
        metavar="DIR|FILE",
        help="list the sessions in DIR (default: evtui's sessions directory); a session FILE "
        "is read through and any damage said (exit 1)",
    )

    export = commands.add_parser(
        "export",
        help="write a session's status changes as JSON lines or CSV",
        description="Replay a session and write each status change: time (the EVSE's "
        "last_updated), location, EVSE, old and new status. An EVSE's first appearance has "
        "no old status.",
    )
    export.add_argument("file", metavar="FILE", help="the session file")
    export.add_argument(
        "--format",
        dest="fmt",
        choices=("jsonl", "csv"),
        default="jsonl",
        help="fields time, location, evse, old, new, then the location's name, operator, "
        "country, lat, lng (from the directory's cache; empty where unknown) (default: jsonl)",
    )
    export.add_argument("-o", "--output", metavar="FILE", help="write here, not to stdout")

    report = commands.add_parser(
        "report",
        help="uptime, outages and usage of EVSEs, locations, operators, countries",
        description="Fold the status history of sessions and payload files into reliability "
        "figures (docs/reliability.md says how each is computed). Sessions are one history, "
        "in the order their messages were received; gaps in reception count as unobserved.",
    )
    report.add_argument(
        "sources", nargs="*", metavar="SOURCE", help="session files or payload files"
    )
    report.add_argument(
        "--archive", metavar="DIR", help="report over this archive (DuckDB), not SOURCEs"
    )
    report.add_argument(
        "--memory-limit",
        type=memory_size,
        metavar="SIZE",
        help="DuckDB's memory bound for --archive (default: 2GB; spills to disk beyond)",
    )
    report.add_argument(
        "--by",
        choices=("evse", "location", "operator", "country", "network"),
        help="what a row is (default: location)",
    )
    report.add_argument("--rules", choices=("uk", "nevi", "afirev"), default=None,
                        help="what counts as down (default: uk; with --nevi-export: nevi)")
    report.add_argument(
        "--from",
        dest="start",
        metavar="T",
        help="window start, ISO 8601, UTC unless it has an offset (default: the oldest update)",
    )
    report.add_argument(
        "--to",
        dest="end",
        metavar="T",
        help="window end, ISO 8601, UTC unless it has an offset (default: the newest update)",
    )
    report.add_argument(
        "--exclusions", metavar="FILE", help="CSV id,from,to,cause: outages to exclude (nevi)"
    )
    report.add_argument(
        "--gap",
        type=positive_float,
        default=300.0,
        metavar="S",
        help="seconds with nothing received that count as unobserved (default: 300)",
    )
    report.add_argument("--outages", action="store_true", help="list every outage instead")
    report.add_argument(
        "--nevi-export",
        metavar="DIR",
        help="write the US reporting tool's uptime and outage CSVs (NEVI-style, minutes) "
        "into DIR instead",
    )
    report.add_argument("--format", dest="fmt", choices=("table", "csv", "jsonl"),
                        help="default: table")  # fmt: skip
    report.add_argument("-o", "--output", metavar="FILE", help="write here, not to stdout")

    archive = commands.add_parser(
        "archive",
        usage="evtui archive [-h] [--compact] [--writer NAME] SESSION... DIR\n"
        "       evtui archive --compact DIR",
        help="add sessions to a Parquet archive that DuckDB, Spark or Trino can read",
        description="Fold session files (one history, in receive order) into status changes "
        "and write them to the archive directory DIR (made if absent) as Parquet files. A "
        "session the archive holds whole already is skipped; a damaged one adds what is "
        "readable, one still being recorded what it holds so far, and adding it again (or "
        "an intact copy) adds the rest.",
    )
    archive.add_argument(
        "paths",
        nargs="+",
        metavar="SESSION... DIR",
        help="session files, then the archive directory",
    )
    archive.add_argument(
        "--compact",
        action="store_true",
        help="then merge each day's files into one (a recorder writes one every few minutes)",
    )
    writer_option(archive)

    commands.add_parser(
        "check",
        parents=[live, log, directory_url],
        help="check step by step that your credentials and access work",
        description="Check step by step, as the monitor connects, what works and what to fix: "
        "the credentials file, an access token, the stream's endpoint (API Lookup), subscribe, "
        "one poll, unsubscribe, and the EV Charge Points directory. Nothing is committed; the "
        "exit status is 0 when the stream can be read.",
    )

    directory = commands.add_parser(
        "directory",
        help="what HERE's directory says of locations (show), or load a directory file (import)",
        description="Names, operators, addresses, positions and chargers of locations, from "
        "HERE's EV Charge Points API v3 (cached on disk) and from what the ids themselves say.",
    )
    actions = directory.add_subparsers(dest="action", metavar="ACTION", required=True)
    show = actions.add_parser(
        "show",
        parents=[live, log, directory_url],
        help="print one JSON line per location id",
        description="Print what is known of each id, one JSON line each (unknown fields are "
        "null). Uses the cache and asks the directory for what is missing or stale. Exits 1 "
        "when the directory failed (the reason goes to stderr; the lines are still printed).",
    )
    show.add_argument("ids", nargs="+", metavar="ID", help="location ids (full or content ids)")
    show.add_argument(
        "--offline", action="store_true", help="ask nothing: only the cache and the ids"
    )
    imports = actions.add_parser(
        "import",
        help="load a directory file into the cache",
        description="Load v3-shaped Location objects (JSON lines or a JSON array) or a CSV "
        "with the columns id,name,operator,address,city,postal_code,country,lat,lng (country "
        "as ISO alpha-3) into the cache. Each refused line is reported with why.",
    )
    imports.add_argument(
        "file",
        metavar="FILE",
        help="JSON lines, a JSON array, or a CSV (told apart by what the file begins with)",
    )

    emulate = commands.add_parser(
        "emulate",
        help="serve the emulated HERE platform on a loopback port",
        description="Serve the HERE emulator on 127.0.0.1 and print the credentials file "
        "and lookup URL to point evtui (or any HERE client) at it.",
    )
    emulate.add_argument(
        "--port", type=port_number, default=8421, help="port (default 8421; 0: any)"
    )
    emulate.add_argument(
        "--write-credentials",
        metavar="PATH",
        help="also write the credentials file there (mode 0600)",
    )
    demo_options(emulate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `evtui` console script; returns the exit code."""
    args = build_parser().parse_args(argv)
    if args.command in ("tail", "record") and not hasattr(args, "source"):
        # (Not the sub-command's default: that would overwrite `evtui --source X tail`'s X.)
        args.source = "here"
    if getattr(args, "mode", "serial") == "parallel" and not getattr(args, "consumer_id", None):
        fail("--mode parallel needs --consumer-id GROUP: the consumers sharing it share the work")
    from evtui.runtime import tune

    tune()
    from evtui.here.errors import HereError
    from evtui.logs import setup_logging, warnings_to_stderr
    from evtui.recording import SessionError

    if log := getattr(args, "log", None):
        try:
            setup_logging(log)
        except OSError as exc:
            fail(f"--log {log}: {exc.strerror or exc}")
    if args.command in (
        "tail", "record", "check", "export", "sessions", "directory", "report", "archive"
    ):  # fmt: skip
        warnings_to_stderr()  # the monitor shows what matters on screen instead

    try:
        return _run(args)
    except (HereError, SessionError) as exc:
        print(f"evtui: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`evtui tail | head`): not an error of ours.
        sys.stderr.close()
        return 0
    except OSError as exc:
        # What the commands do not catch themselves: a write to standard output that failed
        # (`> file` on a full disk). One line, not a traceback; what is still buffered goes
        # nowhere, or the interpreter's own flush at exit would fail again.
        where = exc.filename or "standard output"
        print(f"evtui {args.command}: {where}: {exc.strerror or exc}", file=sys.stderr)
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_ERROR


def _run(args: argparse.Namespace) -> int:
    """Run the command's module. Each is imported only here: most of them pull in asyncio,
    httpx or Textual, which `evtui --version` must not pay for."""
    command = args.command
    if command == "tail":
        from evtui.commands import tail

        return tail.run(args)
    if command == "record":
        from evtui.commands import record

        return record.run(args)
    if command == "sessions":
        from evtui.commands import sessions

        return sessions.run(args)
    if command == "export":
        from evtui.commands import export

        return export.run(args)
    if command == "report":
        from evtui.commands import report

        return report.run(args)
    if command == "archive":
        from evtui.commands import archive

        return archive.run(args)
    if command == "check":
        from evtui.commands import check

        return check.run(args)
    if command == "directory":
        from evtui.commands import directory

        return directory.run(args)
    if command == "emulate":
        from evtui.commands import emulate

        return emulate.run(args)
    # No command, `demo` or `replay`: the monitor, which ends the process itself.
    from evtui.commands import monitor

    monitor.run(args)


if __name__ == "__main__":
    sys.exit(main())
