"""A recorded session as a `Source`: its messages in order, as fast as they can be read."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from types import TracebackType
from typing import Self

from evtui.here.events import ConnectionState, ConnectionStatus
from evtui.model import Batch, decode
from evtui.recording.format import SessionError
from evtui.recording.reader import SessionReader

__all__ = ["SessionSource"]


class SessionSource:
    """Every message of a session file, decoded again by the same decoder as live.

    Ends with a CLOSED state, or an ERROR state saying where a damaged file broke, or why a
    file is no session evtui can read at all (then it is the only state).
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.label = f"session {self.path.name}"
        self._reader: SessionReader | None = None
        self._failure: str | None = None

    async def __aenter__(self) -> Self:
        try:
            self._reader = await asyncio.to_thread(SessionReader, self.path)
        except SessionError as exc:
            # Said like a damaged file: the commands print it as one line and exit 1.
            self._failure = str(exc)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    def ack(self, batch: Batch) -> None:
        """A file has no offsets to commit."""

    async def __aiter__(self) -> AsyncIterator[Batch | ConnectionState]:
        reader = self._reader
        if self._failure is not None:
            yield ConnectionState(ConnectionStatus.ERROR, self._failure)
            return
        if reader is None:
            raise RuntimeError("enter the source with `async with` before iterating it")
        info = reader.info
        note = " (interrupted recording)" if info.interrupted else ""
        yield ConnectionState(ConnectionStatus.SUBSCRIBED, f"{self.label}{note}")
        for chunk in reader.read():
            yield Batch(tuple(decode(message) for _, message in chunk))
            await asyncio.sleep(0)  # let Ctrl-C and timers in between chunks
        if reader.damage is not None:
            # Named: `tail` and `record` say it as one line of their own.
            said = f"{self.path}: {reader.damage.describe()}"
            yield ConnectionState(ConnectionStatus.ERROR, said)
        else:
            yield ConnectionState(ConnectionStatus.CLOSED, f"end of {self.label}")
