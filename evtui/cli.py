"""The `evtui` command. Parses arguments, builds a source and runs the monitor or a command.

Imports are lazy: `evtui --version` and `--help` must not pay for Textual, httpx or pydantic.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from evtui import __version__
from evtui.defaults import DEFAULT_CREDENTIALS, DEFAULT_LOOKUP_URL, EV_CATALOG, EV_LAYER

if TYPE_CHECKING:
    from evtui.recording import SessionOrigin
    from evtui.settings import Settings
    from evtui.sources import DemoSettings, LiveSettings, Source
    from evtui.ui.app import EvtuiApp
    from evtui.watchlist import Watchlist

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def _live_options() -> argparse.ArgumentParser:
    # SUPPRESS keeps a sub-command's unset option from overwriting one given before it.
    live = argparse.ArgumentParser(add_help=False)
    group = live.add_argument_group("HERE connection")
    s = argparse.SUPPRESS
    group.add_argument(
        "--credentials",
        metavar="PATH",
        default=s,
        help=f"credentials.properties file (default: $HERE_CREDENTIALS or {DEFAULT_CREDENTIALS})",
    )
    group.add_argument("--catalog", metavar="HRN", default=s, help=f"default: {EV_CATALOG}")
    group.add_argument("--layer", metavar="ID", default=s, help=f"default: {EV_LAYER}")
    group.add_argument(
        "--lookup-url",
        metavar="URL",
        default=s,
        help="API Lookup base URL (default: $EVTUI_LOOKUP_URL or HERE's public one)",
    )
    group.add_argument(
        "--consumer-id",
        metavar="ID",
        default=s,
        help="stable consumer id; with --from committed a restart resumes where it left off",
    )
    group.add_argument(
        "--from",
        dest="start",
        choices=("earliest", "latest", "committed"),
        default=s,
        help="where a new subscription starts reading (default: latest)",
    )
    return live


def _log_option() -> argparse.ArgumentParser:
    log = argparse.ArgumentParser(add_help=False)
    log.add_argument(
        "--log",
        metavar="FILE",
        default=argparse.SUPPRESS,
        help="append a debug log of the connection (requests, retries, errors) to FILE; "
        "tokens and secrets are never written",
    )
    return log


def _monitor_options() -> argparse.ArgumentParser:
    monitor = argparse.ArgumentParser(add_help=False)
    monitor.add_argument(
        "--watch",
        metavar="ID",
        action="append",
        default=argparse.SUPPRESS,
        help="add a location to the watchlist (repeatable); it stays there for later runs",
    )
    return monitor


def _record_option() -> argparse.ArgumentParser:
    record = argparse.ArgumentParser(add_help=False)
    record.add_argument(
        "--record",
        metavar="FILE",
        nargs="?",
        const="",
        default=argparse.SUPPRESS,
        help="record from the start (to FILE, or to a new session in the sessions directory); "
        "r toggles recording in the monitor",
    )
    return record


SOURCE_HELP = (
    "the live HERE stream (default), the emulated demo feed, a recorded session, or a file of "
    "payload JSON objects as `olp catalog layer stream get` prints them (`-`: standard input)"
)


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _speed(text: str) -> float | None:
    if text.strip().lower() in {"max", "0"}:
        return None
    value = float(text.rstrip("xX"))
    if not 0.25 <= value <= 100:
        raise argparse.ArgumentTypeError("from 0.25 to 100, or max")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return value


def _demo_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("emulated network")
    group.add_argument("--seed", type=int, default=1, help="same seed, same network (default 1)")
    group.add_argument(
        "--speed", type=_positive_float, default=60.0, help="time compression (default 60x)"
    )
    group.add_argument(
        "--locations", type=_positive_int, default=2000, help="charging locations (default 2000)"
    )


def build_parser() -> argparse.ArgumentParser:
    """The whole command line: the monitor by default, and the sub-commands."""
    live = _live_options()
    log = _log_option()
    monitor = _monitor_options()
    record = _record_option()
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
    )
    _demo_options(demo)

    tail = commands.add_parser(
        "tail",
        parents=[live, log],
        help="print the decoded stream, one payload per line",
        description="Print each valid payload to stdout; rejected messages go to stderr.",
    )
    tail.add_argument("--source", default="here", metavar="here|demo|FILE|-", help=SOURCE_HELP)
    tail.add_argument(
        "--limit", type=_positive_int, metavar="N", help="stop after N valid payloads"
    )
    tail.add_argument("--timeout", type=_positive_float, metavar="S", help="stop after S seconds")
    tail.add_argument("--format", dest="fmt", choices=("jsonl", "text"), default="jsonl")
    _demo_options(tail)

    rec = commands.add_parser(
        "record",
        parents=[live, log],
        help="record a source to a session file without the monitor (for servers)",
        description="Record every message as received, with its receive time, to a session "
        "file. Ends after --duration or --limit, at the end of a file, or on Ctrl-C, SIGTERM or "
        "SIGHUP (the session is then closed cleanly).",
    )
    rec.add_argument("--source", default="here", metavar="here|demo|FILE|-", help=SOURCE_HELP)
    rec.add_argument("--duration", type=_positive_float, metavar="S", help="stop after S seconds")
    rec.add_argument("--limit", type=_positive_int, metavar="N", help="stop after N messages")
    rec.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="the session file to create (default: a new file in the sessions directory)",
    )
    _demo_options(rec)

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
        type=_speed,
        default=1.0,
        metavar="X",
        help="playback speed, 0.25 to 100, or max (default 1)",
    )
    replay.add_argument(
        "--idle-limit",
        type=_positive_float,
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
        metavar="DIR",
        help="list the sessions in DIR (default: evtui's sessions directory)",
    )

    export = commands.add_parser(
        "export",
        help="write a session's status changes as JSON lines or CSV",
        description="Replay a session and write each status change: time (the EVSE's "
        "last_updated), location, EVSE, old and new status. An EVSE's first appearance has "
        "no old status.",
    )
    export.add_argument("file", metavar="FILE", help="the session file")
    export.add_argument("--format", dest="fmt", choices=("jsonl", "csv"), default="jsonl")
    export.add_argument("-o", "--output", metavar="FILE", help="write here, not to stdout")

    commands.add_parser(
        "check",
        parents=[live, log],
        help="check step by step that your credentials and access work",
    )

    emulate = commands.add_parser(
        "emulate",
        help="serve the emulated HERE platform on a loopback port",
        description="Serve the HERE emulator on 127.0.0.1 and print the credentials file "
        "and lookup URL to point evtui (or any HERE client) at it.",
    )
    emulate.add_argument("--port", type=int, default=8421, help="port (default 8421; 0: any)")
    emulate.add_argument(
        "--write-credentials",
        metavar="PATH",
        help="also write the credentials file there (mode 0600)",
    )
    _demo_options(emulate)
    return parser


def live_settings(args: argparse.Namespace) -> LiveSettings:
    """Resolve the shared HERE options against the environment and the defaults."""
    from evtui.sources import LiveSettings

    credentials = getattr(args, "credentials", None) or os.environ.get(
        "HERE_CREDENTIALS", DEFAULT_CREDENTIALS
    )
    return LiveSettings(
        credentials_path=Path(credentials).expanduser(),
        catalog=getattr(args, "catalog", EV_CATALOG),
        layer=getattr(args, "layer", EV_LAYER),
        lookup_url=getattr(args, "lookup_url", None)
        or os.environ.get("EVTUI_LOOKUP_URL", DEFAULT_LOOKUP_URL),
        consumer_id=getattr(args, "consumer_id", None),
        start=getattr(args, "start", "latest"),
    )


def _demo_settings(args: argparse.Namespace) -> DemoSettings:
    from evtui.sources import DemoSettings

    defaults = DemoSettings()
    return DemoSettings(
        seed=getattr(args, "seed", defaults.seed),
        speed=getattr(args, "speed", defaults.speed),
        locations=getattr(args, "locations", defaults.locations),
    )


def _open_source(
    args: argparse.Namespace,
    spec: str,
    *,
    keyboard: bool = False,
    warnings: list[str] | None = None,
) -> Source:
    """The source `--source` names. `keyboard`: the monitor needs the terminal for keys.

    Warnings go to `warnings` (the monitor shows them), else to standard error.
    """
    from evtui.here import insecure_permissions
    from evtui.recording import SessionError, SessionReader, SessionSource, is_session_file
    from evtui.sources import DemoSource, HereSource, PayloadFileSource

    if spec == "here":
        settings = live_settings(args)
        source = HereSource.from_settings(settings)
        if warning := insecure_permissions(settings.credentials_path):
            if warnings is None:
                print(f"evtui: warning: {warning}", file=sys.stderr)
            else:
                warnings.append(warning)
        return source
    if spec == "demo":
        return DemoSource(_demo_settings(args))
    if spec == "-":
        return _stdin_source() if keyboard else PayloadFileSource("-")
    if not Path(spec).exists():
        _fail(f"--source {spec}: no such file (use here, demo, a file, or - for stdin)")
    if is_session_file(spec):
        # Say now, not after an output file was made, when it is no session we can read.
        try:
            SessionReader(spec).close()
        except SessionError as exc:
            _fail(f"--source {spec}: {exc}", EXIT_ERROR)
        return SessionSource(spec)
    return PayloadFileSource(spec)


def _stdin_source() -> Source:
    """Payloads piped in, while the monitor reads its keys from the terminal itself."""
    from evtui.sources import PayloadFileSource

    if sys.stdin.isatty():
        _fail(
            "--source -: nothing is piped in (e.g. `olp catalog layer stream get ... | evtui "
            "--source -`)"
        )
    payloads = os.dup(0)
    try:
        terminal = os.open("/dev/tty", os.O_RDWR)
    except OSError:
        _fail("--source -: the monitor needs a terminal for its keys; use `evtui tail` instead")
    # Like `less`: the keyboard comes from /dev/tty, the data from the pipe.
    os.dup2(terminal, 0)
    os.close(terminal)
    source = PayloadFileSource(f"/dev/fd/{payloads}")
    source.label = "standard input"
    return source


def _origin(args: argparse.Namespace, spec: str, source: Source) -> SessionOrigin:
    from evtui.recording import SessionOrigin

    if spec == "here":
        live = live_settings(args)
        return SessionOrigin(source.label, "here", live.catalog, live.layer)
    if spec == "demo":
        return SessionOrigin(source.label, "demo", EV_CATALOG, EV_LAYER)
    return SessionOrigin(source.label, "stdin" if spec == "-" else "file")


def _fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    print(f"evtui: {message}", file=sys.stderr)
    raise SystemExit(code)


def _run_tail(args: argparse.Namespace) -> int:
    from evtui.commands.tail import run_tail

    source = _open_source(args, args.source)
    import asyncio  # not at the top: `evtui --version` must not pay 70 ms for it

    return asyncio.run(
        run_tail(
            source,
            out=sys.stdout,
            err=sys.stderr,
            fmt=args.fmt,
            limit=args.limit,
            time_limit=args.timeout,
        )
    )


def _run_record(args: argparse.Namespace) -> int:
    from evtui import paths
    from evtui.commands.record import run_record
    from evtui.recording import Recorder, SessionError, default_session_path
    from evtui.settings import load_settings
    from evtui.watchlist import Watchlist

    source = _open_source(args, args.source)
    origin = _origin(args, args.source, source)
    if args.output:
        path = Path(args.output).expanduser()
    else:
        path = default_session_path(paths.sessions_dir(), origin.kind)
    # Alerts for watched locations drop markers; the user files are only read here. The
    # checkpoints keep as long a log as the monitor that will replay them shows.
    settings, warnings = load_settings(paths.settings_path())
    watchlist, more = Watchlist.load(paths.watchlist_path())
    for warning in warnings + more:
        print(f"evtui: {warning}", file=sys.stderr)
    try:
        recorder = Recorder.create(
            path,
            origin,
            watched=watchlist,
            name=watchlist.label,
            max_events=settings.event_log_size,
        )
    except SessionError as exc:
        _fail(str(exc), EXIT_ERROR)
    import asyncio

    return asyncio.run(
        run_record(
            source,
            recorder,
            err=sys.stderr,
            duration=args.duration,
            limit=args.limit,
            progress=sys.stderr.isatty(),
        )
    )


def _run_sessions(directory_arg: str | None) -> int:
    from datetime import UTC, datetime

    from evtui import paths
    from evtui.recording import SessionInfo, list_sessions
    from evtui.safetext import safe_text
    from evtui.units import duration_text, size_text

    directory = Path(directory_arg).expanduser() if directory_arg else paths.sessions_dir()
    found = list_sessions(directory)
    if not found:
        print(
            f"No sessions in {directory}. Record one with `evtui record --source demo`, "
            "or press r in the monitor."
        )
        return 0
    print(f"Sessions in {directory}:")
    print(
        f"{'started':19}  {'duration':>9}  {'messages':>10}  {'size':>9}  {'state':11}  "
        "source / file"
    )
    for entry in found:
        if not isinstance(entry, SessionInfo):
            path, why = entry
            print(
                f"{'?':19}  {'':>9}  {'':>10}  {'':>9}  {'unreadable':11}  "
                f"{safe_text(path.name)}: {safe_text(why, 200)}"
            )
            continue
        started = datetime.fromtimestamp(entry.started_at, UTC).astimezone()
        state = "damaged" if entry.damaged else "interrupted" if entry.interrupted else "complete"
        print(
            f"{started:%Y-%m-%d %H:%M:%S}  {duration_text(entry.duration):>9}  "
            f"{entry.messages:>10,}  {size_text(entry.size):>9}  {state:11}  "
            f"{safe_text(entry.source, 60)} / {safe_text(entry.path.name)}"
        )
    return 0


def _run_export(args: argparse.Namespace) -> int:
    from evtui.commands.export import run_export
    from evtui.recording import SessionError, SessionReader

    try:
        reader = SessionReader(args.file)
    except SessionError as exc:
        _fail(str(exc), EXIT_ERROR)
    with reader:
        if args.output is None:
            return run_export(reader, sys.stdout, sys.stderr, args.fmt)
        with open(args.output, "w", encoding="utf-8", newline="") as out:
            return run_export(reader, out, sys.stderr, args.fmt)


def _run_check(args: argparse.Namespace) -> int:
    import asyncio

    from evtui.commands.check import run_check

    return asyncio.run(run_check(live_settings(args), out=sys.stdout))


def _run_emulate(args: argparse.Namespace) -> int:
    from evtui.emulator import EmulatorConfig, run_foreground

    config = EmulatorConfig(seed=args.seed, speed=args.speed, locations=args.locations)
    run_foreground(config, port=args.port, credentials_path=args.write_credentials)
    return 0


def _run_monitor(args: argparse.Namespace, *, demo: bool) -> int:
    from evtui import paths
    from evtui.here import CredentialsError
    from evtui.recording import is_session_file
    from evtui.ui.app import EvtuiApp, RecordOptions

    spec = "demo" if demo else getattr(args, "source", "here")
    if spec not in ("here", "demo", "-") and is_session_file(spec):
        return _run_replay(args, Path(spec))
    source_warnings: list[str] = []
    try:
        source = _open_source(args, spec, keyboard=True, warnings=source_warnings)
    except CredentialsError as exc:
        print(_no_credentials_help(exc), file=sys.stderr)
        if not _offer_demo():
            return EXIT_USAGE
        spec = "demo"
        source = _open_source(args, spec)
    record = getattr(args, "record", None)
    if record and Path(record).expanduser().exists():
        _fail(f"--record {record}: the file exists; evtui never records over a session")
    options = RecordOptions(
        directory=paths.sessions_dir(),
        origin=_origin(args, spec, source),
        path=Path(record).expanduser() if record else None,
        at_start=record is not None,
    )
    settings, watchlist, warnings = _load_user_files(getattr(args, "watch", []))
    app = EvtuiApp(
        source,
        settings=settings,
        watchlist=watchlist,
        warnings=source_warnings + warnings,
        settings_path=paths.settings_path(),
        record=options,
    )
    return _run_app(app, args)


def _run_replay(args: argparse.Namespace, path: Path) -> int:
    from evtui import paths
    from evtui.recording import Player, SessionError, SessionReader
    from evtui.ui.app import EvtuiApp, ReplayOptions

    try:
        reader = SessionReader(path)
    except SessionError as exc:
        _fail(str(exc), EXIT_ERROR)
    settings, watchlist, warnings = _load_user_files(getattr(args, "watch", []))
    options = ReplayOptions(
        speed=getattr(args, "speed", 1.0) if args.command == "replay" else 1.0,
        idle_limit=getattr(args, "idle_limit", None),
        paused=getattr(args, "paused", False),
    )
    with reader:
        app = EvtuiApp(
            Player(reader, max_events=settings.event_log_size),
            settings=settings,
            watchlist=watchlist,
            warnings=warnings,
            settings_path=paths.settings_path(),
            sessions_dir=paths.sessions_dir(),
            replay=options,
        )
        return _run_app(app, args)


def _run_app(app: EvtuiApp, args: argparse.Namespace) -> int:
    """Run a monitor; then open the session the user chose in its browser, if any."""
    app.run()
    for path in app.recorded:
        print(f"evtui: recorded {path}", file=sys.stderr)
    if app.failure is not None:
        print(f"evtui: {app.failure}", file=sys.stderr)
        return EXIT_ERROR
    if app.next_session is not None:
        return _run_replay(args, app.next_session)
    return app.return_code or 0


def _load_user_files(watch: Sequence[str]) -> tuple[Settings, Watchlist, list[str]]:
    """Settings and watchlist from the config dir, with `--watch` ids added and saved."""
    from evtui import paths
    from evtui.settings import load_settings
    from evtui.watchlist import Watchlist, WatchlistError

    settings, warnings = load_settings(paths.settings_path())
    watchlist, more = Watchlist.load(paths.watchlist_path())
    warnings += more
    added = [w.strip() for w in watch if w.strip() and watchlist.add(w.strip())]
    if added:
        try:
            watchlist.save()
        except WatchlistError as exc:
            warnings.append(f"{exc}; --watch ids are kept for this session only")
    return settings, watchlist, warnings


def _offer_demo() -> bool:
    """Ask whether to open the demo instead; only a person at a terminal can say yes."""
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        return False
    print("\nOpen the demo now? [y/N] ", end="", file=sys.stderr, flush=True)
    try:
        answer = sys.stdin.readline()
    except (OSError, KeyboardInterrupt):
        return False
    return answer.strip().lower() in {"y", "yes"}


def _no_credentials_help(exc: Exception) -> str:
    return (
        f"evtui: {exc}\n\n"
        "To watch the live HERE stream, evtui needs your HERE platform credentials:\n"
        "  1. In the HERE platform portal, create an app and an access key for it; download\n"
        "     its credentials.properties.\n"
        f"  2. Save it as {DEFAULT_CREDENTIALS} (or pass --credentials PATH, or set\n"
        "     HERE_CREDENTIALS), readable only by you: chmod 600 FILE.\n"
        "  3. Run `evtui check` to test it step by step.\n\n"
        "No account? `evtui demo` opens the monitor on the built-in emulated feed."
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `evtui` console script; returns the exit code."""
    args = build_parser().parse_args(argv)
    from evtui.runtime import tune

    tune()
    from evtui.here.errors import HereError
    from evtui.logs import setup_logging, warnings_to_stderr
    from evtui.recording import SessionError

    if log := getattr(args, "log", None):
        try:
            setup_logging(log)
        except OSError as exc:
            _fail(f"--log {log}: {exc.strerror or exc}")
    if args.command in ("tail", "record", "check", "export", "sessions"):
        warnings_to_stderr()  # the monitor shows what matters on screen instead

    try:
        if args.command == "tail":
            return _run_tail(args)
        if args.command == "record":
            return _run_record(args)
        if args.command == "replay":
            _leave(_run_replay(args, Path(args.file)))
        if args.command == "sessions":
            return _run_sessions(args.directory)
        if args.command == "export":
            return _run_export(args)
        if args.command == "check":
            return _run_check(args)
        if args.command == "emulate":
            return _run_emulate(args)
        _leave(_run_monitor(args, demo=args.command == "demo"))
    except (HereError, SessionError) as exc:
        print(f"evtui: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`evtui tail | head`): not an error of ours.
        sys.stderr.close()
        return 0


def _leave(code: int) -> NoReturn:
    """End the process once the monitor is done: its files are closed and its subscription
    released. Left to itself, the interpreter would free a large network's state object by
    object on the way out, which takes seconds after `q`."""
    import logging

    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    sys.exit(main())
