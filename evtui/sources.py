"""One interface for every place updates come from: HERE, the demo emulator, a payload file.

A source is an async context manager and an async iterator of `SourceEvent`s. Whoever consumes
it calls `ack(batch)` once a batch is applied (and recorded), so a live source commits only
what is safely handled.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import json
import os
import sys
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, BinaryIO, Literal, Protocol, Self, runtime_checkable

from evtui.here import (
    DEFAULT_DIRECTORY_URL,
    DEFAULT_LOOKUP_URL,
    EV_CATALOG,
    EV_LAYER,
    ConnectionState,
    ConnectionStatus,
    Credentials,
    DirectoryClient,
    HereClient,
    StreamOptions,
    load_credentials,
)
from evtui.model import Batch, Rejection, RejectReason, StreamMessage, decode_document
from evtui.safetext import shorten

if TYPE_CHECKING:
    from evtui.emulator import EmulatorServer
    from evtui.here import StreamConsumer

__all__ = [
    "DemoSettings",
    "DemoSource",
    "DirectorySource",
    "HereSource",
    "LiveSettings",
    "PayloadFileSource",
    "Source",
    "SourceEvent",
]

SourceEvent = Batch | ConnectionState
Start = Literal["earliest", "latest", "committed"]
Mode = Literal["serial", "parallel"]


class Source(Protocol):
    """What the monitor and the headless commands consume."""

    label: str
    """Says where the data comes from, for a status line."""

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def __aiter__(self) -> AsyncIterator[SourceEvent]: ...

    def ack(self, batch: Batch) -> None:
        """Mark a batch as handled: a live source may now commit its offsets."""


@runtime_checkable
class DirectorySource(Protocol):
    """A live source that can also ask HERE's directory, over its own connection."""

    def directory(self) -> DirectoryClient | None:
        """A client of the directory once the source is entered (None before and after)."""
        ...


@dataclass(frozen=True)
class LiveSettings:
    """How to reach a HERE stream layer: the options every live command shares."""

    credentials_path: Path
    catalog: str = EV_CATALOG
    layer: str = EV_LAYER
    lookup_url: str = DEFAULT_LOOKUP_URL
    consumer_id: str | None = None
    start: Start = "latest"
    directory_url: str = DEFAULT_DIRECTORY_URL
    """HERE's EV Charge Points API v3 base (the directory of locations)."""
    mode: Mode = "serial"
    """parallel: the consumers sharing `consumer_id` share the layer's partitions out."""
    role: str = ""
    """The program reading (`StreamOptions.role`): its own default group."""


class HereSource:
    """The stream layer of a HERE catalog, read through the HERE client."""

    def __init__(
        self,
        credentials: Credentials,
        *,
        catalog: str = EV_CATALOG,
        layer: str = EV_LAYER,
        lookup_url: str = DEFAULT_LOOKUP_URL,
        consumer_id: str | None = None,
        start: Start = "latest",
        label: str | None = None,
        directory_url: str = DEFAULT_DIRECTORY_URL,
        mode: Mode = "serial",
        role: str = "",
    ) -> None:
        self.label = label or f"HERE {catalog} / {layer}"
        self._credentials = credentials
        self._lookup_url = lookup_url
        self._directory_url = directory_url
        self._client: HereClient | None = None
        self._options = StreamOptions(
            catalog=catalog,
            layer=layer,
            consumer_id=consumer_id,
            start=start,
            mode=mode,
            role=role,
        )
        self._stack = contextlib.AsyncExitStack()
        self._consumer: StreamConsumer | None = None

    @classmethod
    def from_settings(cls, settings: LiveSettings) -> HereSource:
        """Load the credentials file (raises `CredentialsError`) and build the source."""
        return cls(
            load_credentials(settings.credentials_path),
            catalog=settings.catalog,
            layer=settings.layer,
            lookup_url=settings.lookup_url,
            consumer_id=settings.consumer_id,
            start=settings.start,
            directory_url=settings.directory_url,
            mode=settings.mode,
            role=settings.role,
        )

    async def __aenter__(self) -> Self:
        client = await self._stack.enter_async_context(
            HereClient(self._credentials, lookup_url=self._lookup_url)
        )
        self._client = client
        self._consumer = await self._stack.enter_async_context(client.stream(self._options))
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._consumer = None
        self._client = None
        await self._stack.aclose()

    def directory(self) -> DirectoryClient | None:
        """The directory over this source's connection (same token), while it is open."""
        if self._client is None:
            return None
        return DirectoryClient(self._client, self._directory_url)

    def __aiter__(self) -> AsyncIterator[SourceEvent]:
        if self._consumer is None:
            raise RuntimeError("enter the source with `async with` before iterating it")
        return self._consumer.__aiter__()

    def ack(self, batch: Batch) -> None:
        if self._consumer is not None:
            self._consumer.ack(batch)


@dataclass(frozen=True)
class DemoSettings:
    """The emulated HERE platform `evtui demo` starts in-process."""

    seed: int = 1
    speed: float = 60.0
    locations: int = 2000
    mode: Mode = "serial"
    """How the demo's own consumer reads the emulator (alone in its group either way)."""


class DemoSource:
    """The real HERE client reading from the built-in emulator, served on a loopback port."""

    def __init__(self, settings: DemoSettings | None = None) -> None:
        self.settings = settings or DemoSettings()
        self.label = f"demo (emulated HERE, seed {self.settings.seed})"
        self._server: EmulatorServer | None = None
        self._inner: HereSource | None = None

    def _start_server(self) -> EmulatorServer:
        from evtui.emulator import EmulatorConfig, EmulatorServer

        config = EmulatorConfig(
            seed=self.settings.seed,
            speed=self.settings.speed,
            locations=self.settings.locations,
        )
        server = EmulatorServer(config)
        server.start()
        return server

    async def __aenter__(self) -> Self:
        from evtui.here import parse_credentials

        # Importing the emulator, building its network (gzipping the first snapshot: about a
        # second) and starting its thread all happen off the event loop: the monitor is on
        # screen meanwhile and must answer keys.
        server = await asyncio.to_thread(self._start_server)
        self._server = server
        try:
            self._inner = HereSource(
                parse_credentials(server.credentials_text()),
                lookup_url=server.lookup_url,
                start="earliest",
                label=self.label,
                directory_url=server.directory_url,
                mode=self.settings.mode,
            )
            await self._inner.__aenter__()
        except BaseException:
            await asyncio.to_thread(server.stop)
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._inner is not None:
                await self._inner.__aexit__(exc_type, exc, tb)
        finally:
            if self._server is not None:
                await asyncio.to_thread(self._server.stop)

    def __aiter__(self) -> AsyncIterator[SourceEvent]:
        if self._inner is None:
            raise RuntimeError("enter the source with `async with` before iterating it")
        return self._inner.__aiter__()

    def directory(self) -> DirectoryClient | None:
        """The emulator's directory (its synthetic network's locations)."""
        return self._inner.directory() if self._inner is not None else None

    def ack(self, batch: Batch) -> None:
        if self._inner is not None:
            self._inner.ack(batch)


@dataclass
class PayloadFileSource:
    """Payload JSON objects one after another, as `olp catalog layer stream get` prints them.

    Reads a file, or standard input for `-`, as the bytes arrive. Separators between objects
    (white space, commas, a delimiter line of punctuation) are skipped; other text there and
    malformed objects are rejected, and reading resumes at the next line starting an object.
    """

    path: str
    batch_size: int = 500
    label: str = field(init=False)
    _stream: BinaryIO | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.label = "standard input" if self.path == "-" else f"file {self.path}"

    async def __aenter__(self) -> Self:
        if self.path == "-":
            self._stream = sys.stdin.buffer
        else:
            self._stream = await asyncio.to_thread(open, self.path, "rb")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._stream is not None and self._stream is not sys.stdin.buffer:
            self._stream.close()
        self._stream = None

    def ack(self, batch: Batch) -> None:
        """Files have no offsets to commit."""

    async def __aiter__(self) -> AsyncIterator[SourceEvent]:
        if self._stream is None:
            raise RuntimeError("enter the source with `async with` before iterating it")
        yield ConnectionState(ConnectionStatus.SUBSCRIBED, self.label)
        reader = _ObjectReader()
        # Invalid UTF-8 is kept (as surrogates) so the bad object is rejected, not the read.
        text = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")
        chunks = _read_in_background(self._stream)
        while True:
            data = await chunks.get()
            chunk = text.decode(data, final=not data)
            documents = reader.feed(chunk) if data else reader.finish()
            for start in range(0, len(documents), self.batch_size):
                yield _batch(documents[start : start + self.batch_size])
            if not chunk:
                break
        yield ConnectionState(ConnectionStatus.CLOSED, f"end of {self.label}")


def _read_in_background(stream: BinaryIO) -> asyncio.Queue[bytes]:
    """Chunks of `stream` as they arrive (b"" at the end), read by a daemon thread.

    A blocked read of a pipe cannot be cancelled; in a daemon thread it holds up neither
    `--timeout`, Ctrl-C nor the interpreter's exit.
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[bytes] = asyncio.Queue(maxsize=16)

    def put(data: bytes) -> None:
        coroutine = queue.put(data)
        try:
            future = asyncio.run_coroutine_threadsafe(coroutine, loop)
        except RuntimeError:
            coroutine.close()  # the loop is closed: never scheduled, so never to be awaited
            raise
        future.result()

    def pump() -> None:
        # os.read on the descriptor: returns what is there (not a full 64 KiB) and holds no
        # lock of the buffered file, which would abort the interpreter's exit.
        fd = stream.fileno()
        while True:
            try:
                data = os.read(fd, 1 << 16)
            except (OSError, ValueError):
                data = b""  # unreadable, or closed under us: the end of the input
            try:
                put(data)
            except Exception:
                return  # the loop is closed or stopped listening: nobody wants more
            if not data:
                return

    threading.Thread(target=pump, name="evtui-read", daemon=True).start()
    return queue


def _batch(documents: list[tuple[int, str, str | None]]) -> Batch:
    now = time.time()
    items = []
    for offset, text, error in documents:
        raw = text.encode("utf-8", "surrogateescape")
        message = StreamMessage(
            partition=0, offset=offset, data=raw, received_at=now, inflated=True
        )
        if error is None:
            items.append(decode_document(message, raw))
        else:
            items.append(Rejection(message, RejectReason.BAD_JSON, error))
    return Batch(tuple(items))


_MAX_SEPARATOR = 1 << 20
"""Text between objects held back while waiting for the next object, at most."""


class _ObjectReader:
    """Splits concatenated JSON objects out of text fed in arbitrary chunks.

    Yields `(index, text, error)`: `error` is None for a complete object, else why the text
    (kept for inspection) is not one, starting with the line it begins on (1 the first).
    """

    def __init__(self) -> None:
        self._buffer = ""
        self._count = 0
        self._decoder = json.JSONDecoder()
        self._line = 1
        """The line the buffer begins on."""

    def feed(self, chunk: str) -> list[tuple[int, str, str | None]]:
        self._buffer += chunk
        return self._drain(final=False)

    def finish(self) -> list[tuple[int, str, str | None]]:
        return self._drain(final=True)

    def _drain(self, *, final: bool) -> list[tuple[int, str, str | None]]:
        out: list[tuple[int, str, str | None]] = []
        buf = self._buffer
        pos = 0
        # Lines counted as the text is passed over, each newline once.
        line, counted = self._line, 0

        def line_of(at: int) -> int:
            nonlocal line, counted
            line += buf.count("\n", counted, at)
            counted = at
            return line

        while True:
            start = buf.find("{", pos)
            if start < 0:
                if final or len(buf) - pos > _MAX_SEPARATOR:
                    self._junk(buf[pos:], out, line_of(pos))
                    self._buffer = ""
                    self._line = line_of(len(buf))
                else:
                    self._buffer = buf[pos:]  # may be the start of a separator or junk
                    self._line = line_of(pos)
                return out
            self._junk(buf[pos:start], out, line_of(pos))
            error: str | None = None
            try:
                _, end = self._decoder.raw_decode(buf, start)
            except json.JSONDecodeError as exc:
                # Only a later object starting a line proves this one will not complete.
                resume = buf.find("\n{", start + 1)
                if resume < 0 and not final:
                    self._buffer = buf[start:]
                    self._line = line_of(start)
                    return out
                end = resume + 1 if resume >= 0 else len(buf)
                # (Some of json's messages end in "at" already: "Invalid control character at".)
                what = exc.msg.removesuffix(" at")
                error = f"line {line_of(start)}: {what} at character {exc.pos - start}"
                error += " of the object"
            out.append((self._count, buf[start:end], error))
            self._count += 1
            pos = end

    def _junk(self, between: str, out: list[tuple[int, str, str | None]], line: int) -> None:
        """Text between objects (from line `line` on): fine when it is a separator, else a
        rejection that keeps it."""
        if any(c.isalnum() for c in between):
            text = between.strip()
            # The line of its first character that is not blank.
            line += between[: len(between) - len(between.lstrip())].count("\n")
            out.append((self._count, text, f"line {line}: not a JSON object: {shorten(text, 60)}"))
            self._count += 1
