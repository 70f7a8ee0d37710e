"""Reading a stream layer through Stream API v2: the consumer and its subscription's lifecycle.

Delivery is at-least-once; the consumer makes it exactly-once for its reader by de-duplicating
on (Kafka partition, offset) and by committing only what the reader acknowledged. Its parts:
`_stream_node` (the calls and their errors), `_stream_poll` (the poll and its prefetch),
`_stream_messages` (Blob and decoding), `_stream_offsets` (the bookkeeping and the commit).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import random
import secrets
import socket
import time
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Literal, Self

from evtui.here._stream_messages import Entry, decode_all, fetch_blobs, new_messages
from evtui.here._stream_node import Mode, StreamNode
from evtui.here._stream_offsets import Offsets
from evtui.here._stream_poll import Poller
from evtui.here.errors import HereError, StreamFailed, SubscriptionLost, TransientError
from evtui.here.events import ConnectionState, ConnectionStatus
from evtui.here.platform import Platform
from evtui.model import Batch, Decoded

__all__ = ["StreamConsumer", "StreamOptions"]

log = logging.getLogger("evtui.here")

Start = Literal["earliest", "latest", "committed"]

CLOSE_TIMEOUT = 1.0
"""Seconds the final commit and unsubscribe may take on exit, so Ctrl-C stays snappy."""
DROP_TIMEOUT = 2.0
"""Seconds releasing a subscription gone bad may take before a new one is made anyway."""


@dataclass(frozen=True)
class StreamOptions:
    """What to read and how."""

    catalog: str
    layer: str
    consumer_id: str | None = None
    """Also the consumer group; None picks one (stable for `committed`, fresh otherwise)."""
    start: Start = "latest"
    max_poll_records: int = 500
    commit_interval: float = 2.0
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    error_backoff: float = 5.0
    """The first wait after an error that retrying rarely fixes (once the stream worked)."""
    mode: Mode = "serial"
    """parallel: the consumers given the same `consumer_id` share the layer's partitions."""
    role: str = ""
    """Which program reads (`tail`, `monitor`; "" for `record`): without `consumer_id`, the
    stable group of `committed` is each one's own, so that a look with one does not take
    messages from another's group."""


class StreamConsumer:
    """One subscription to a stream layer, renewed as often as the service loses it.

    `async with client.stream(options) as consumer: async for event in consumer: ...` yields
    `Batch`es and `ConnectionState`s; call `ack(batch)` once a batch is handled.
    """

    def __init__(self, client: Platform, options: StreamOptions) -> None:
        self._client = client
        self.options = options
        self.consumer_id = options.consumer_id or _default_consumer_id(
            client, options.start, options.role
        )
        self._node = StreamNode(client, options.catalog, options.layer, options.mode)
        self._poller = Poller(self._node)
        self._offsets = Offsets(self._node, self._poller)
        self._pending: list[Entry] | None = None
        self._needs_seek = False
        self._lost: str | None = None
        """Why the subscription was lost, until the consumer says it subscribes again."""
        self._resync = False
        """A poll's answer was lost: where the service stands in each partition is unknown."""
        self._ever_subscribed = False
        self._closed = False

    # -- context manager and iteration ---------------------------------------------------

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Commit what was acknowledged, then unsubscribe; bounded, and even when cancelled."""
        if self._closed:
            return
        self._closed = True
        task = asyncio.ensure_future(self._finish())
        loop = asyncio.get_running_loop()
        deadline = loop.time() + CLOSE_TIMEOUT
        cancelled = False
        # A cancelled caller (Ctrl-C, `q`) closes its HTTP client right after this returns,
        # so keep waiting for the release until the deadline, then pass the cancel on.
        while not task.done():
            remaining = deadline - loop.time()
            if remaining <= 0:
                task.cancel()
                log.warning("closing the subscription took over %.0f s; left it", CLOSE_TIMEOUT)
                break
            try:
                await asyncio.wait({task}, timeout=remaining)
            except asyncio.CancelledError:
                cancelled = True
        if cancelled:
            raise asyncio.CancelledError

    async def _finish(self) -> None:
        await self._poller.drop()
        if self._node.subscription is None:
            return
        # Whatever goes wrong here is reported, never raised: the caller is leaving anyway.
        try:
            await self.commit(final=True)
        except Exception as exc:
            log.warning("final commit failed: %s", exc)
        try:
            await self.unsubscribe()
        except Exception as exc:
            log.warning("unsubscribe failed: %s", exc)

    async def __aiter__(self) -> AsyncIterator[Batch | ConnectionState]:
        failures = 0  # attempts in a row that ended without a poll: the backoff grows

        yield _state(ConnectionStatus.CONNECTING, "requesting a token and subscribing")
        while not self._closed:
            try:
                if self._resync:
                    # The lost answer may have moved the service on past messages we never
                    # saw: start over from the group's commits, and seek back to our place.
                    await self._drop_subscription("a poll's answer was lost")
                if self._node.subscription is None:
                    if self._lost is not None:
                        yield _state(
                            ConnectionStatus.CONNECTING, f"{self._lost}; subscribing again"
                        )
                        self._lost = None
                    await self.subscribe()
                    self._ever_subscribed = True
                    # In parallel mode the group's commits say where each partition goes on,
                    # whoever owned it meanwhile; the de-duplication skips what we saw.
                    serial = self.options.mode == "serial"
                    self._needs_seek = serial and bool(self._offsets.delivered)
                    yield _state(ConnectionStatus.SUBSCRIBED, self.options.layer)
                if self._needs_seek:
                    await self._resume_after_resubscribe()
                if self._offsets.due(self.options.commit_interval):
                    await self._commit_quietly()
                    if self._node.subscription is None:
                        continue  # the commit found it lost: subscribe again first
                batch = await self.poll()
                if failures:
                    failures = 0
                    yield _state(ConnectionStatus.SUBSCRIBED, "recovered")
                if self._offsets.commit_after_poll:
                    await self._commit_quietly()
                if batch.items:
                    yield batch
            except SubscriptionLost as exc:
                self._node.subscription = None
                self._lost = str(exc)
                failures += 1
                if failures > 1:  # lost again straight away: do not hammer the service
                    wait = self._backoff(failures - 1, None)
                    yield _state(ConnectionStatus.WAITING, str(exc), wait=wait)
                    await asyncio.sleep(wait)
            except TransientError as exc:
                failures += 1
                wait = self._backoff(failures, exc.retry_after)
                yield _state(ConnectionStatus.WAITING, str(exc), wait=wait)
                await asyncio.sleep(wait)
            except HereError as exc:
                if not self._ever_subscribed:
                    log.info("giving up: %s", exc)
                    raise  # never worked: wrong credentials, catalog or URL; say so at once
                # It worked before: a stream watched for days outlives a refused token or a
                # revoked grant. Start over from the lookup, slowly, and show why.
                failures += 1
                await self._drop_subscription(str(exc))
                self._node.forget_base()
                wait = self._backoff(failures, None, floor=self.options.error_backoff)
                yield _state(ConnectionStatus.ERROR, str(exc), wait=wait)
                await asyncio.sleep(wait)

    def ack(self, batch: Batch | Iterable[Decoded]) -> None:
        """Mark messages as handled: their offsets may now be committed."""
        self._offsets.ack(batch.items if isinstance(batch, Batch) else batch)

    # -- the protocol's steps ------------------------------------------------------------

    async def subscribe(self) -> None:
        """Subscribe (again) with this consumer's id; the group's committed offsets apply."""
        await self._poller.drop()
        properties: dict[str, Any] = {
            "auto.offset.reset": "earliest" if self.options.start == "earliest" else "latest",
            "group.id": self.consumer_id,
            "max.poll.records": self.options.max_poll_records,
            "enable.auto.commit": False,
        }
        await self._node.subscribe(self.consumer_id, properties)

    async def poll(self) -> Batch:
        """One poll: new messages (payloads fetched from Blob as needed), decoded, de-duplicated.

        Messages polled but not yet turned into a batch (a Blob fetch failed) are kept and
        finished first on the next call, so a failure there loses nothing.

        While a backlog lasts (a full poll), the next poll is already asked for while this one
        is decoded and read: the service works while we do. Its messages count as delivered
        only once a later call hands them out; a commit covers only what was acknowledged.
        """
        if self._pending is None:
            try:
                messages = await self._poller.answer()
            except TransientError as exc:
                self._resync = self._resync or exc.answer_lost
                raise
            pending, needs_blob = new_messages(messages, self._offsets.delivered, time.time())
            self._pending = pending
            if (
                len(messages) >= self.options.max_poll_records
                and not needs_blob
                and not self._closed
            ):
                await self._poller.prefetch()
        await fetch_blobs(self._client, self.options.catalog, self.options.layer, self._pending)
        items = decode_all(self._pending)
        self._offsets.deliver(self._pending)
        self._pending = None
        return Batch(items)

    async def commit(self, *, final: bool = False) -> None:
        """Commit the acknowledged offsets not yet committed."""
        await self._offsets.commit(final=final)

    async def seek(self, offsets: dict[int, int]) -> None:
        """Make the next poll of each partition start at the given offset."""
        await self._poller.drop()
        body = {"offsets": [{"partition": p, "offset": o} for p, o in offsets.items()]}
        response, _ = await self._node.call("PUT", "seek", "Stream seek", json=body)
        self._node.raise_for(response, "seek")
        self._offsets.moved_to(offsets)
        self._pending = None

    async def unsubscribe(self) -> None:
        """Release the subscription; the service frees what it holds for it."""
        await self._poller.drop()
        await self._node.unsubscribe()

    # -- helpers ---------------------------------------------------------------------------

    async def _drop_subscription(self, why: str) -> None:
        """Release the subscription if the service still listens (briefly), and forget it."""
        self._resync = False
        await self._poller.drop()
        if self._node.subscription is None:
            return
        try:
            async with asyncio.timeout(DROP_TIMEOUT):
                # What was handled is committed first: the next subscription starts after it
                # rather than delivering it again.
                with contextlib.suppress(HereError):
                    await self.commit()
                await self.unsubscribe()
        except (TimeoutError, HereError) as exc:
            log.info("could not release the subscription: %s", str(exc) or "no answer in time")
        self._node.subscription = None
        self._lost = why

    async def _resume_after_resubscribe(self) -> None:
        """Continue right after the last delivered message on a renewed subscription.

        A new subscription starts at the group's committed offsets, else at `latest` (skipping
        messages) or `earliest` (reading everything again): where commits are failing, neither
        moves on. Seeking puts each partition where we were; a partition never delivered
        starts where the group's offsets say.
        """
        try:
            await self.seek(self._offsets.resume_points())
        except StreamFailed as exc:
            log.warning("could not seek back after resubscribing: %s", exc)
        # Transient errors propagate: the loop backs off and tries the seek again.
        self._needs_seek = False

    async def _commit_quietly(self) -> None:
        try:
            await self.commit()
        except (StreamFailed, TransientError, SubscriptionLost) as exc:
            # Offsets stay acknowledged and are committed next time; reading goes on, and a
            # batch already polled is still handed out before subscribing again.
            log.info("commit failed, will retry: %s", exc)
            self._offsets.defer_commit()
            if isinstance(exc, SubscriptionLost):
                self._node.subscription = None
                self._lost = str(exc)

    def _backoff(self, failures: int, retry_after: float | None, floor: float = 0.0) -> float:
        if retry_after is not None:
            return retry_after  # the service said how long: exactly that, no less
        base = max(self.options.backoff_base, floor)
        ceiling = min(max(self.options.backoff_max, base), base * 2 ** (failures - 1))
        # Full jitter: clients that failed together do not retry together.
        return random.uniform(base / 2, ceiling)


def _state(
    status: ConnectionStatus, detail: str = "", *, wait: float | None = None
) -> ConnectionState:
    """A new connection state, also written to the log (`--log`): every wait, retry and error.

    At INFO: the reader shows the states itself, the log keeps the record.
    """
    state = ConnectionState(status, detail, wait=wait)
    log.info("%s", state.describe())
    return state


def _default_consumer_id(client: Platform, start: Start, role: str = "") -> str:
    if start == "committed":
        # Resuming needs the same group every run: derive it from who and where we are (and
        # which program: `record`'s is the group earlier versions used for every one).
        creds = client.credentials
        who = f"{creds.client_id or creds.access_key_id}@{socket.gethostname()}"
        who += f"/{role}" if role else ""
        return "evtui-" + hashlib.sha256(who.encode()).hexdigest()[:16]
    return "evtui-" + secrets.token_hex(8)
