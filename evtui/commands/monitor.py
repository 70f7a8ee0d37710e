"""The monitor: `evtui` on a live or file source, `evtui demo` and `evtui replay`.

The one command that launches the Textual app. cli.py imports this module only to run it.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from evtui import paths
from evtui.commands.common import EXIT_ERROR, EXIT_USAGE, fail, open_source, session_origin
from evtui.defaults import DEFAULT_CREDENTIALS
from evtui.here import CredentialsError
from evtui.model.reliability import RULES
from evtui.recording import Player, SessionError, SessionReader, is_session_file
from evtui.settings import Settings, load_settings
from evtui.ui.app import EvtuiApp, RecordOptions, ReplayOptions
from evtui.watchlist import Watchlist, WatchlistError

__all__ = ["leave", "run", "run_monitor", "run_replay"]


def run(args: argparse.Namespace) -> NoReturn:
    """`evtui`, `evtui demo` or `evtui replay`, from its parsed arguments; ends the process."""
    if args.command == "replay":
        leave(run_replay(args, Path(args.file)))
    leave(run_monitor(args, demo=args.command == "demo"))


def run_monitor(args: argparse.Namespace, *, demo: bool) -> int:
    """The monitor on `--source` (a session file opens the replay), or on the demo feed."""
    spec = "demo" if demo else getattr(args, "source", "here")
    if spec not in ("here", "demo", "-") and is_session_file(spec):
        return run_replay(args, Path(spec))
    source_warnings: list[str] = []
    try:
        source = open_source(args, spec, keyboard=True, warnings=source_warnings)
    except CredentialsError as exc:
        print(_no_credentials_help(exc), file=sys.stderr)
        if not _offer_demo():
            return EXIT_USAGE
        spec = "demo"
        source = open_source(args, spec)
    record = getattr(args, "record", None)
    if record and Path(record).expanduser().exists():
        fail(f"--record {record}: the file exists; evtui never records over a session")
    options = RecordOptions(
        directory=paths.sessions_dir(),
        origin=session_origin(args, spec, source),
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
        directory_cache=paths.directory_cache_path(),
    )
    return _run_app(app, args)


def run_replay(args: argparse.Namespace, path: Path) -> int:
    """The replay of the session at `path`; only `evtui replay` has the speed options."""
    try:
        reader = SessionReader(path)
    except SessionError as exc:
        fail(str(exc), EXIT_ERROR)
    settings, watchlist, warnings = _load_user_files(getattr(args, "watch", []))
    options = ReplayOptions(
        speed=getattr(args, "speed", 1.0) if args.command == "replay" else 1.0,
        idle_limit=getattr(args, "idle_limit", None),
        paused=getattr(args, "paused", False),
    )
    with reader:
        app = EvtuiApp(
            Player(
                reader,
                max_events=settings.event_log_size,
                rules=RULES[settings.reliability_rules],
            ),
            settings=settings,
            watchlist=watchlist,
            warnings=warnings,
            settings_path=paths.settings_path(),
            sessions_dir=paths.sessions_dir(),
            replay=options,
            directory_cache=paths.directory_cache_path(),
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
        return run_replay(args, app.next_session)
    return app.return_code or 0


def _load_user_files(watch: Sequence[str]) -> tuple[Settings, Watchlist, list[str]]:
    """Settings and watchlist from the config dir, with `--watch` ids added and saved."""
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


def leave(code: int) -> NoReturn:
    """End the process once the monitor is done: its files are closed and its subscription
    released. Left to itself, the interpreter would free a large network's state object by
    object on the way out, which takes seconds after `q`."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
