"""Where a command writes its `-o` file: never over its own input or a session, and whole or
not at all (written under a temporary name, renamed once complete)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TextIO

from evtui.commands.common import EXIT_ERROR, fail, os_error_text
from evtui.recording.format import is_session_file

__all__ = ["check_output", "output_file"]


def check_output(path: str, inputs: Iterable[str | Path] = (), option: str = "-o") -> Path:
    """`path` as a place to write, or exit with a message: never one of `inputs` or an evtui
    session (the recording would be lost), never a directory. Before any long work, so
    that a mistake costs nothing."""
    target = Path(path).expanduser()
    for given in inputs:
        with contextlib.suppress(OSError):
            if target.exists() and target.samefile(given):
                fail(f"{option} {path} is one of the inputs: writing it would destroy it")
    if target.is_dir():
        fail(f"{option} {path}: is a directory", EXIT_ERROR)
    if not target.parent.is_dir():
        # ("no such file" would name the file, where it is the folder that is missing.)
        fail(f"{option} {path}: no folder {target.parent}", EXIT_ERROR)
    if target.is_file() and is_session_file(target):  # (reading a pipe would wait)
        fail(f"{option} {path} is an evtui session: evtui never writes over one")
    return target


@contextlib.contextmanager
def output_file(
    path: str, inputs: Iterable[str | Path] = (), option: str = "-o"
) -> Iterator[TextIO]:
    """The file at `path` (see `check_output`), open for text. A regular file appears only
    once everything is written; a device or a pipe (`/dev/stdout`) is written as it is."""
    target = check_output(path, inputs, option)
    direct = target.exists() and not target.is_file()
    part = target if direct else target.with_name(f".{target.name}.partial")
    try:
        out = open(part, "w", encoding="utf-8", newline="")  # noqa: SIM115 (closed below)
    except OSError as exc:
        fail(f"{option} {path}: {os_error_text(exc)}", EXIT_ERROR)
    try:
        with out:
            yield out
    except BaseException:
        if not direct:
            part.unlink(missing_ok=True)
        raise
    if not direct:
        try:
            os.replace(part, target)
        except OSError as exc:
            part.unlink(missing_ok=True)
            fail(f"{option} {path}: {os_error_text(exc)}", EXIT_ERROR)
