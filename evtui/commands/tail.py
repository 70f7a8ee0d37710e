"""`evtui tail`: print the decoded stream, one payload per line."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
from collections import Counter
from collections.abc import Callable
from datetime import UTC
from typing import Any, Literal, TextIO

from pydantic_core import from_json, to_json

from evtui.commands.common import open_source
from evtui.here import ConnectionState, ConnectionStatus
from evtui.model import Accepted, Batch, Decoded, Rejection, RejectReason
from evtui.safetext import safe_text
from evtui.sources import Source
from evtui.units import counted

__all__ = ["Format", "format_jsonl", "format_text", "run", "run_tail"]

Format = Literal["jsonl", "text"]

STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


def format_jsonl(item: Accepted) -> str:
    """The payload as the JSON object published, on one line.

    Non-ASCII and control characters are JSON-escaped: the data stays exact and the line is
    safe to print on a terminal.
    """
    # Parsed again (the payload object keeps only the fields evtui knows; this line keeps all)
    # by pydantic's parser, which is faster than json.loads and refuses NaN/Infinity: they
    # are not JSON. Raises ValueError for a document that is not strict JSON.
    document = from_json(item.document, allow_inf_nan=False)
    # pydantic's encoder is twice as fast as json's; its line is the same as json's (compact,
    # control characters escaped alike) unless it holds non-ASCII text, DEL or a float (spelt
    # differently, e.g. 1e16 for 1e+16): those take json's.
    if type(document) is dict and not _has_float(document):
        line = to_json(document)
        if line.isascii() and b"\x7f" not in line:
            return line.decode("ascii") + "\n"
    return _ENCODER.encode(document) + "\n"


def _has_float(node: Any) -> bool:
    """Whether a parsed JSON object or array holds a float at any depth."""
    for value in node.values() if type(node) is dict else node:
        kind = type(value)
        if kind is str:
            continue
        if kind is float or ((kind is dict or kind is list) and _has_float(value)):
            return True
    return False


# Built once: json.dumps with options builds an encoder per call, a tenth of tail's time.
_ENCODER = json.JSONEncoder(ensure_ascii=True, separators=(",", ":"), allow_nan=False)

TEXT_ID_WIDTH = 200
"""Ids longer than this are shortened in `--format text`; real ones are well under it."""


def format_text(item: Accepted) -> str:
    """One readable line per EVSE: time, location, EVSE, status (stream text made inert)."""
    payload = item.payload
    location = safe_text(payload.id, TEXT_ID_WIDTH)
    if not payload.evses:
        return f"{'-':20}  {location}  (no EVSEs)\n"
    return "".join(
        # Shown in UTC, as the Z says, whatever offset the publisher wrote.
        f"{evse.last_updated.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}  {location}  "
        f"{safe_text(evse.id, TEXT_ID_WIDTH)}  {safe_text(evse.status)}\n"
        for evse in payload.evses
    )


class _Tally:
    def __init__(self) -> None:
        self.printed = 0
        self.rejected: Counter[str] = Counter()

    def summary(self) -> str:
        text = f"evtui tail: {counted(self.printed, 'payload')}"
        total = sum(self.rejected.values())
        if total:
            reasons = ", ".join(f"{reason}: {n:,}" for reason, n in self.rejected.most_common())
            text += f", {total:,} rejected ({reasons})"
        else:
            text += ", 0 rejected"
        return text


async def run_tail(
    source: Source,
    *,
    out: TextIO,
    err: TextIO,
    fmt: Format = "jsonl",
    limit: int | None = None,
    time_limit: float | None = None,
) -> int:
    """Print the source's valid payloads to `out` and rejections to `err`; return the exit code.

    Stops after `limit` payloads, after `time_limit` seconds, or when the source ends. Each batch is
    acknowledged only after it is written, so a live source commits no more than was printed.
    """
    formatter: Callable[[Accepted], str] = format_jsonl if fmt == "jsonl" else format_text
    tally = _Tally()
    failed = False
    task = asyncio.current_task()
    loop = asyncio.get_running_loop()
    stopped_by: list[int] = []

    def stop(signum: int) -> None:
        stopped_by.append(signum)
        if task is not None:
            task.cancel()

    # `kill` or a closed terminal ends tail as Ctrl-C does: the subscription is released.
    for signum in STOP_SIGNALS:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop, signum)
    try:
        async with source:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(time_limit):
                    async for event in source:
                        if isinstance(event, ConnectionState):
                            _report_state(event, err)
                            # A source that ends on an error (a damaged file) fails the run.
                            failed = event.status is ConnectionStatus.ERROR
                            continue
                        handled = _write_batch(event, formatter, tally, out, err, limit)
                        out.flush()
                        source.ack(Batch(handled))
                        if limit is not None and tally.printed >= limit:
                            break
    except asyncio.CancelledError:
        if not stopped_by or task is None:
            raise
        task.uncancel()
        return 128 + stopped_by[0]  # as a shell reports a process a signal ended
    finally:
        for signum in STOP_SIGNALS:
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(signum)
        err.write(tally.summary() + "\n")
        err.flush()
    return 1 if failed else 0


def run(args: argparse.Namespace) -> int:
    """`evtui tail`, from its parsed arguments."""
    source = open_source(args, args.source)
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


def _write_batch(
    batch: Batch,
    formatter: Callable[[Accepted], str],
    tally: _Tally,
    out: TextIO,
    err: TextIO,
    limit: int | None,
) -> tuple[Decoded, ...]:
    lines: list[str] = []
    handled = 0
    for item in batch.items:
        if limit is not None and tally.printed >= limit:
            break
        handled += 1
        if isinstance(item, Accepted):
            try:
                lines.append(formatter(item))
                tally.printed += 1
                continue
            except ValueError as exc:  # decoded, yet not printable as strict JSON
                item = Rejection(item.message, RejectReason.BAD_JSON, str(exc))
        tally.rejected[str(item.reason)] += 1
        err.write(f"rejected: {safe_text(item.describe(), 500)}\n")
    out.write("".join(lines))
    return batch.items[:handled]


def _report_state(state: ConnectionState, err: TextIO) -> None:
    # Quiet while all is well; say what it waits for or why it fails.
    if state.status in (ConnectionStatus.WAITING, ConnectionStatus.ERROR):
        err.write(f"evtui: {safe_text(state.describe(), 300)}\n")
        err.flush()
