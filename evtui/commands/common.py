"""What the commands share: exit codes, failing with a usage message, and opening the source
and settings their arguments name.

cli.py imports this module at start-up, so the heavy imports stay inside the functions:
`evtui --version` must not pay for httpx or pydantic.
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from evtui.defaults import (
    DEFAULT_CREDENTIALS,
    DEFAULT_DIRECTORY_URL,
    DEFAULT_LOOKUP_URL,
    EV_CATALOG,
    EV_LAYER,
)
from evtui.safetext import safe_text

if TYPE_CHECKING:
    from evtui.model.directory import LocationInfo
    from evtui.recording import SessionOrigin
    from evtui.sources import DemoSettings, LiveSettings, Source

__all__ = [
    "EXIT_ERROR",
    "EXIT_INTERRUPTED",
    "EXIT_USAGE",
    "cached_places",
    "demo_settings",
    "fail",
    "live_settings",
    "open_source",
    "os_error_text",
    "session_origin",
]

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    """Say what is wrong on standard error, as `evtui: ...`, and exit with `code`."""
    # Paths and ids in it are the user's or the stream's: escaped, never terminal controls.
    print(f"evtui: {safe_text(message)}", file=sys.stderr)
    raise SystemExit(code)


_OS_ERRORS = {
    errno.ENOENT: "no such file",
    errno.EISDIR: "is a directory",
    errno.ENOTDIR: "a part of the path is not a directory",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
}


def os_error_text(exc: OSError) -> str:
    """An OS error in words, without Python's `[Errno 2] ...: 'path'` wrapping."""
    text = _OS_ERRORS.get(exc.errno or 0) or exc.strerror or str(exc) or type(exc).__name__
    return text[:1].lower() + text[1:]


def live_settings(args: argparse.Namespace) -> LiveSettings:
    """Resolve the shared HERE options against the environment and the defaults."""
    from evtui.sources import LiveSettings

    # (An empty HERE_CREDENTIALS is unset, not the current directory.)
    credentials = (
        getattr(args, "credentials", None)
        or os.environ.get("HERE_CREDENTIALS")
        or DEFAULT_CREDENTIALS
    )
    return LiveSettings(
        credentials_path=Path(credentials).expanduser(),
        catalog=getattr(args, "catalog", EV_CATALOG),
        layer=getattr(args, "layer", EV_LAYER),
        lookup_url=getattr(args, "lookup_url", None)
        or os.environ.get("EVTUI_LOOKUP_URL", DEFAULT_LOOKUP_URL),
        consumer_id=getattr(args, "consumer_id", None),
        start=getattr(args, "start", "latest"),
        directory_url=getattr(args, "directory_url", None)
        or os.environ.get("EVTUI_DIRECTORY_URL", DEFAULT_DIRECTORY_URL),
        mode=getattr(args, "mode", "serial"),
        # The monitor (no command) and `tail` each resume in a group of their own.
        role={"tail": "tail", "record": ""}.get(getattr(args, "command", None) or "", "monitor"),
    )


def demo_settings(args: argparse.Namespace) -> DemoSettings:
    """The emulated network's options; a command without them gets the defaults."""
    from evtui.sources import DemoSettings

    defaults = DemoSettings()
    return DemoSettings(
        seed=getattr(args, "seed", defaults.seed),
        speed=getattr(args, "speed", defaults.speed),
        locations=getattr(args, "locations", defaults.locations),
        mode=getattr(args, "mode", defaults.mode),
    )


def open_source(
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
        return DemoSource(demo_settings(args))
    if spec == "-":
        return _stdin_source() if keyboard else PayloadFileSource("-")
    if not Path(spec).exists():
        fail(f"--source {spec}: no such file (use here, demo, a file, or - for stdin)")
    if Path(spec).is_dir():
        fail(f"--source {spec} is a directory, not a session or payload file")
    # A .evtui file is meant as a session: garbage in one (or nothing) is no payload file.
    if is_session_file(spec) or Path(spec).suffix == ".evtui":
        # Say now, not after an output file was made, when it is no session we can read.
        try:
            SessionReader(spec).close()
        except SessionError as exc:
            fail(f"--source {spec}: {exc}", EXIT_ERROR)
        return SessionSource(spec)
    return PayloadFileSource(spec)


def _stdin_source() -> Source:
    """Payloads piped in, while the monitor reads its keys from the terminal itself."""
    from evtui.sources import PayloadFileSource

    if sys.stdin.isatty():
        fail(
            "--source -: nothing is piped in (e.g. `olp catalog layer stream get ... | evtui "
            "--source -`)"
        )
    payloads = os.dup(0)
    try:
        terminal = os.open("/dev/tty", os.O_RDWR)
    except OSError:
        fail("--source -: the monitor needs a terminal for its keys; use `evtui tail` instead")
    # Like `less`: the keyboard comes from /dev/tty, the data from the pipe.
    os.dup2(terminal, 0)
    os.close(terminal)
    source = PayloadFileSource(f"/dev/fd/{payloads}")
    source.label = "standard input"
    return source


def session_origin(args: argparse.Namespace, spec: str, source: Source) -> SessionOrigin:
    """Where a recording of `source` comes from, as the session file records it."""
    from evtui.recording import SessionOrigin

    if spec == "here":
        live = live_settings(args)
        return SessionOrigin(source.label, "here", live.catalog, live.layer)
    if spec == "demo":
        return SessionOrigin(source.label, "demo", EV_CATALOG, EV_LAYER)
    return SessionOrigin(source.label, "stdin" if spec == "-" else "file")


def cached_places(command: str, ids: Iterable[str] | None = None) -> Mapping[str, LocationInfo]:
    """The directory cache's display data (of `ids`, or all); none when there is no cache.

    Never asks the network and never makes a cache; its warnings go to stderr.
    """
    from evtui import paths

    path = paths.directory_cache_path()
    if not path.exists():
        return {}
    from evtui.directory import DirectoryCache  # (pydantic: paid only where there is a cache)

    with DirectoryCache.open(path) as cache:
        for warning in cache.warnings:
            sys.stderr.write(f"evtui {command}: warning: {warning}\n")
        return cache.summaries(ids)
