"""`evtui record`: record a source to a session file without a UI, for servers."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from evtui import paths
from evtui.commands.common import EXIT_ERROR, cached_places, fail, open_source, session_origin
from evtui.here import ConnectionState, ConnectionStatus
from evtui.model import Batch
from evtui.model.reliability import RULES
from evtui.recording import Recorder, SessionError, SessionReader, default_session_path
from evtui.safetext import safe_text
from evtui.settings import load_settings
from evtui.sources import Source
from evtui.units import counted, size_text
from evtui.watchlist import Watchlist

if TYPE_CHECKING:
    from evtui.archive.follow import Follower

__all__ = ["run", "run_record"]

STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
PROGRESS_EVERY = 5.0
"""Seconds between progress lines on a terminal."""
ARCHIVE_EVERY = 180.0
"""Seconds between the archive files a recording writes (and at its end)."""
_FAILING = (ConnectionStatus.WAITING, ConnectionStatus.ERROR)
"""The states whose detail says why the source is not reached (yet)."""


def run(args: argparse.Namespace) -> int:
    """`evtui record`, from its parsed arguments."""
    source = open_source(args, args.source)
    origin = session_origin(args, args.source, source)
    archive_dir = Path(args.archive).expanduser() if args.archive else None
    if archive_dir and not archive_dir.exists() and not archive_dir.parent.is_dir():
        # Made if absent, not a tree of folders a mistyped path would make.
        fail(f"--archive {args.archive}: no folder {archive_dir.parent} to make it in", EXIT_ERROR)
    folder = args.output and args.output.endswith(("/", os.sep))
    if folder and not Path(args.output).expanduser().is_dir():
        # Meant as a folder: a session file of that name would surprise.
        fail(f"-o {args.output}: no folder {args.output.rstrip('/' + os.sep)}", EXIT_ERROR)
    if args.output and not Path(args.output).expanduser().is_dir():
        path = Path(args.output).expanduser()
        if not path.parent.is_dir():
            # As export and report -o: a folder mistyped is said, not made.
            fail(f"-o {args.output}: no folder {path.parent}", EXIT_ERROR)
    elif args.output:
        # A directory: the session goes in it, named as in the sessions directory.
        path = default_session_path(Path(args.output).expanduser(), origin.kind)
    else:
        path = default_session_path(paths.sessions_dir(), origin.kind)
    # Alerts for watched locations drop markers; the user files are only read here. The
    # checkpoints keep as long a log as the monitor that will replay them shows.
    settings, warnings = load_settings(paths.settings_path())
    watchlist, more = Watchlist.load(paths.watchlist_path(), read_only=True)
    for warning in warnings + more:
        print(f"evtui: {warning}", file=sys.stderr)
    try:
        recorder = Recorder.create(
            path,
            origin,
            watched=watchlist,
            name=_namer(watchlist),
            max_events=settings.event_log_size,
            rules=RULES[settings.reliability_rules],
            outage_after=settings.outage_alert_minutes * 60,
            flapping_alerts=settings.flapping_alerts,
        )
    except SessionError as exc:
        fail(str(exc), EXIT_ERROR)
    archive = None
    if args.archive:
        # Only here: DuckDB takes a fifth of a second to import, which a recorder without
        # an archive does not pay.
        from evtui.archive import session_key
        from evtui.archive.follow import Follower
        from evtui.commands.archive import default_writer

        try:
            Path(args.archive).expanduser().mkdir(exist_ok=True)
        except OSError as exc:
            recorder.abandon()
            fail(f"--archive {args.archive}: {exc.strerror or exc}", EXIT_ERROR)
        with SessionReader(recorder.path) as header:
            key = session_key(header)
        archive = Follower(
            recorder.path,
            Path(args.archive).expanduser(),
            args.writer or default_writer(),
            key,
            places=dict(cached_places("record")),
            every=ARCHIVE_EVERY,
        )
    try:
        return asyncio.run(
            run_record(
                source,
                recorder,
                err=sys.stderr,
                duration=args.duration,
                limit=args.limit,
                progress=sys.stderr.isatty(),
                archive=archive,
            )
        )
    except Exception:
        if recorder.messages == 0:
            # The source failed before its first message (credentials refused, say): a file
            # of nothing, listed as an interrupted session, would only be in the way.
            with contextlib.suppress(OSError):
                recorder.path.unlink()
            print(f"evtui record: nothing recorded; {recorder.path} not kept", file=sys.stderr)
        raise


async def run_record(
    source: Source,
    recorder: Recorder,
    *,
    err: TextIO,
    duration: float | None = None,
    limit: int | None = None,
    progress: bool = False,
    archive: Follower | None = None,
) -> int:
    """Record `source` until `duration` seconds pass, `limit` messages are recorded, the source
    ends, or SIGTERM, SIGHUP or Ctrl-C; return the exit code.

    Each batch is acknowledged only once it is in the file, so a live source never commits
    past what the recording holds. With `archive`, a process of its own archives what the
    session holds, a file every `ARCHIVE_EVERY` seconds and at the end, however it ends.
    """
    unreached: str | None = None
    try:
        code, unreached = await _record(source, recorder, err, duration, limit, progress)
        return code
    finally:
        if archive is not None:
            result = archive.finish()
            if result.error is not None:
                err.write(f"evtui record: archive: {safe_text(result.error, 300)}\n")
            else:
                err.write(
                    # (the files hold the changes, the coverage, the locations and repeats)
                    f"evtui record: {result.changes:,} status changes to the archive "
                    f"({result.files:,} files in all)\n"
                )
        if unreached is not None:
            # Never subscribed, so a file of nothing: listed as a session, and reported as
            # one from 1970, it would only mislead.
            with contextlib.suppress(OSError):
                recorder.path.unlink()
            err.write(
                f"evtui record: never connected ({unreached}); nothing recorded, "
                f"{recorder.path} not kept\n"
            )


async def _record(
    source: Source,
    recorder: Recorder,
    err: TextIO,
    duration: float | None,
    limit: int | None,
    progress: bool,
) -> tuple[int, str | None]:
    """The exit code, and why the source was never reached (None: it was, or it ended)."""
    task = asyncio.current_task()
    loop = asyncio.get_running_loop()
    if task is not None:
        # `kill` (SIGTERM), or the ssh session going away (SIGHUP), ends a server's recording
        # as cleanly as Ctrl-C does.
        for signum in STOP_SIGNALS:
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(signum, task.cancel)
    started = time.monotonic()
    last_progress = started
    code = 0
    failing: str | None = None
    """The last retried failure while the source was never subscribed."""
    subscribed = False
    err.write(f"evtui record: recording {safe_text(source.label, 120)} to {recorder.path}\n")
    err.flush()
    try:
        async with source:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(duration):
                    async for event in source:
                        if isinstance(event, ConnectionState):
                            _report_state(event, err)
                            if event.status is ConnectionStatus.SUBSCRIBED:
                                subscribed = True
                            elif event.status in _FAILING and event.detail:
                                failing = safe_text(event.detail, 200)
                            # A source that ends on an error (a damaged file) fails the run.
                            code = 1 if event.status is ConnectionStatus.ERROR else 0
                            continue
                        if limit is not None:
                            room = limit - recorder.messages
                            if room < len(event):
                                event = Batch(event.items[:room])
                        recorder.record(event)
                        source.ack(event)
                        now = time.monotonic()
                        if progress and now - last_progress >= PROGRESS_EVERY:
                            last_progress = now
                            err.write(f"evtui record: {_summary(recorder, now - started)}\n")
                            err.flush()
                        if limit is not None and recorder.messages >= limit:
                            break
    except SessionError as exc:
        recorder.abandon()
        kept = recorder.messages
        err.write(
            f"evtui record: {exc}; the session keeps the {kept:,} message{'s' if kept != 1 else ''}"
            " recorded before\n"
        )
        return 1, None
    except asyncio.CancelledError:
        # A signal or Ctrl-C is how a recording is meant to end: close the session cleanly.
        if task is not None:
            task.uncancel()
    except Exception:
        # The source failed (access refused, ...): keep what was recorded, marked interrupted.
        recorder.abandon()
        raise
    finally:
        for signum in STOP_SIGNALS:
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(signum)
    try:
        recorder.close()
    except SessionError as exc:
        err.write(f"evtui record: {exc}\n")
        return 1, None
    if not subscribed and not recorder.messages and failing is not None:
        return 1, failing
    err.write(f"evtui record: {_summary(recorder, time.monotonic() - started)}\n")
    return code, None


def _namer(watchlist: Watchlist) -> Callable[[str], str | None]:
    """Names for alert markers, as the monitor gives them: the label, else the directory's
    name (from its cache, read once here; a recorder never asks the network)."""
    places = cached_places("record", list(watchlist))

    def name(location_id: str) -> str | None:
        info = places.get(location_id)
        return watchlist.label(location_id) or (info.name if info is not None else None)

    return name


def _summary(recorder: Recorder, seconds: float) -> str:
    rejected = f" ({recorder.rejected:,} rejected)" if recorder.rejected else ""
    return (
        f"{counted(recorder.messages, 'message')}{rejected} in {seconds:,.1f} s, "
        f"{size_text(recorder.size)} in {recorder.path}"
    )


def _report_state(state: ConnectionState, err: TextIO) -> None:
    if state.status in (ConnectionStatus.WAITING, ConnectionStatus.ERROR):
        err.write(f"evtui record: {safe_text(state.describe(), 300)}\n")
        err.flush()
