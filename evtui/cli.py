"""The `evtui` command. Parses arguments, builds a source and runs the monitor or a command.

Imports are lazy: `evtui --version` and `--help` must not pay for Textual, httpx or pydantic.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from evtui import __version__
from evtui.defaults import DEFAULT_CREDENTIALS, DEFAULT_LOOKUP_URL, EV_CATALOG, EV_LAYER

if TYPE_CHECKING:
    from evtui.settings import Settings
    from evtui.sources import DemoSettings, LiveSettings, Source
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


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
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
    monitor = _monitor_options()
    parser = argparse.ArgumentParser(
        prog="evtui",
        description="Monitor HERE's live stream of EV charge-point status updates.",
        parents=[live, monitor],
        epilog="Without a command, evtui opens the monitor on the live HERE stream. "
        "Try `evtui demo` to see it on the built-in emulated feed, no account needed.",
    )
    parser.add_argument("--version", action="version", version=f"evtui {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = commands.add_parser(
        "demo",
        parents=[monitor],
        help="open the monitor on the built-in emulated HERE feed (no account needed)",
    )
    _demo_options(demo)

    tail = commands.add_parser(
        "tail",
        parents=[live],
        help="print the decoded stream, one payload per line",
        description="Print each valid payload to stdout; rejected messages go to stderr.",
    )
    tail.add_argument(
        "--source",
        default="here",
        metavar="here|demo|PATH|-",
        help="the live HERE stream (default), the emulated demo feed, or a file of payload "
        "JSON objects (`-` for standard input)",
    )
    tail.add_argument(
        "--limit", type=_positive_int, metavar="N", help="stop after N valid payloads"
    )
    tail.add_argument("--timeout", type=_positive_float, metavar="S", help="stop after S seconds")
    tail.add_argument("--format", dest="fmt", choices=("jsonl", "text"), default="jsonl")
    _demo_options(tail)

    commands.add_parser(
        "check",
        parents=[live],
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

    return DemoSettings(seed=args.seed, speed=args.speed, locations=args.locations)


def _tail_source(args: argparse.Namespace) -> Source:
    from evtui.sources import DemoSource, HereSource, PayloadFileSource

    if args.source == "here":
        return HereSource.from_settings(live_settings(args))
    if args.source == "demo":
        return DemoSource(_demo_settings(args))
    if args.source != "-" and not Path(args.source).exists():
        _fail(f"--source {args.source}: no such file (use here, demo, a file, or - for stdin)")
    return PayloadFileSource(args.source)


def _fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    print(f"evtui: {message}", file=sys.stderr)
    raise SystemExit(code)


def _run_tail(args: argparse.Namespace) -> int:
    from evtui.commands.tail import run_tail

    source = _tail_source(args)
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


def _run_check(args: argparse.Namespace) -> int:
    from evtui.commands.check import run_check

    return asyncio.run(run_check(live_settings(args), out=sys.stdout))


def _run_emulate(args: argparse.Namespace) -> int:
    from evtui.emulator import EmulatorConfig, run_foreground

    config = EmulatorConfig(seed=args.seed, speed=args.speed, locations=args.locations)
    run_foreground(config, port=args.port, credentials_path=args.write_credentials)
    return 0


def _run_monitor(args: argparse.Namespace, *, demo: bool) -> int:
    from evtui.here import CredentialsError
    from evtui.sources import DemoSource, HereSource

    source: Source
    if demo:
        source = DemoSource(_demo_settings(args))
    else:
        try:
            source = HereSource.from_settings(live_settings(args))
        except CredentialsError as exc:
            print(_no_credentials_help(exc), file=sys.stderr)
            if not _offer_demo():
                return EXIT_USAGE
            source = DemoSource()
    from evtui import paths
    from evtui.ui.app import EvtuiApp

    settings, watchlist, warnings = _load_user_files(getattr(args, "watch", []))
    app = EvtuiApp(
        source,
        settings=settings,
        watchlist=watchlist,
        warnings=warnings,
        settings_path=paths.settings_path(),
    )
    app.run()
    if app.failure is not None:
        print(f"evtui: {app.failure}", file=sys.stderr)
        return EXIT_ERROR
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
    from evtui.here.errors import HereError

    try:
        if args.command == "tail":
            return _run_tail(args)
        if args.command == "check":
            return _run_check(args)
        if args.command == "emulate":
            return _run_emulate(args)
        return _run_monitor(args, demo=args.command == "demo")
    except HereError as exc:
        print(f"evtui: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`evtui tail | head`): not an error of ours.
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
