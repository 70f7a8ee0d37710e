"""Whether the monitor's terminal is still there, for when no SIGHUP says it has gone.

The kernel sends SIGHUP to the session's leader only: an interactive shell passes it on to
its jobs, but under `make demo` the leader is `make`, which waits for its child and tells it
nothing. The monitor then went on with a dead
terminal, its input thread spinning on reads that return at once (a core busy, the
subscription held, a recording never closed). A terminal that is gone reads as no terminal.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from textual.app import App

__all__ = ["TERMINAL_CHECK", "watch_terminal"]

TERMINAL_CHECK = 1.0
"""Seconds between looks at the terminal (one system call each)."""


def watch_terminal(app: App[None], gone: Callable[[], None]) -> None:
    """Call `gone` once the terminal the app reads its keys from has been hung up; nothing
    for an app without one (headless, input from a pipe)."""
    stdin = sys.__stdin__
    if app.is_headless or stdin is None or not stdin.isatty():
        return
    fd = stdin.fileno()

    def check() -> None:
        # A hung-up terminal answers every terminal request with an error: isatty is false.
        if not os.isatty(fd):
            timer.stop()
            gone()

    timer = app.set_interval(TERMINAL_CHECK, check)
