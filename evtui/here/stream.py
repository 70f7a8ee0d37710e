"""Reading a stream layer through Stream API v2: subscribe, poll, commit, seek, unsubscribe.

Delivery is at-least-once; the consumer makes it exactly-once for its reader by de-duplicating
on (Kafka partition, offset) and by committing only what the reader acknowledged.
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
from typing import TYPE_CHECKING, Any, Literal, Self
from urllib.parse import quote

import httpx
from pydantic_core import from_json

from evtui.here._http import error_details
from evtui.here.credentials import require_secure_url
from evtui.here.errors import (
    AccessDenied,
    AuthenticationError,
    HereError,
    StreamFailed,
    SubscriptionLost,
    TransientError,
)
from evtui.here.events import ConnectionState, ConnectionStatus
from evtui.here.tokens import Token
from evtui.model import Batch, Decoded, Rejection, RejectReason, StreamMessage, decode

if TYPE_CHECKING:
    from evtui.here.client import HereClient

__all__ = ["StreamConsumer", "StreamOptions"]

log = logging.getLogger("evtui.here")

Start = Literal["earliest", "latest", "committed"]

CLOSE_TIMEOUT = 1.0
"""Seconds the final commit and unsubscribe may take on exit, so Ctrl-C stays snappy."""
DROP_TIMEOUT = 2.0
"""Seconds releasing a subscription gone bad may take before a new one is made anyway."""

PREFETCH_SEND_STEPS = 5
"""Event-loop turns given to a prefetched poll to send its request before decoding starts
(httpx 0.28 on a kept-alive connection needs 3; more cost next to nothing)."""

RENEW_POLL_TIMEOUT = 1.0
"""A poll made only to renew the commit token may wait this long for the service."""


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


@dataclass
class _Subscription:
    node: str
    subscription_id: str


@dataclass
class _Prefetch:
    """A poll asked for ahead of time, on `sub`."""

    sub: _Subscription
    answer: asyncio.Future[list[Any]]


@dataclass
class _Pending:
    """A polled message whose payload may still have to come from Blob."""

    message: dict[str, Any]
    partition: int
    offset: int
    received_at: float
    blob: bytes | None = None
    blob_done: bool = False
    blob_error: str | None = None
    unplaced: bool = False
    """The poll gave no usable partition and offset."""


class StreamConsumer:
    """One subscription to a stream layer, renewed as often as the service loses it.

    `async with client.stream(options) as consumer: async for event in consumer: ...` yields
    `Batch`es and `ConnectionState`s; call `ack(batch)` once a batch is handled.
    """

    def __init__(self, client: HereClient, options: StreamOptions) -> None:
        self._client = client
        self.options = options
        self.consumer_id = options.consumer_id or _default_consumer_id(client, options.start)
        self._subscription: _Subscription | None = None
        self._correlation_id: str | None = None
        self._poll_token: Token | None = None
        self._delivered: dict[int, int] = {}
        self._acked: dict[int, int] = {}
        self._committed: dict[int, int] = {}
        self._commit_after_poll = False
        self._last_commit = 0.0
        self._pending: list[StreamMessage | _Pending] | None = None
        self._prefetch: _Prefetch | None = None
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
        await self._drop_prefetch()
        if self._subscription is None:
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
                if self._subscription is None:
                    if self._lost is not None:
                        yield _state(
                            ConnectionStatus.CONNECTING, f"{self._lost}; subscribing again"
                        )
                        self._lost = None
                    await self.subscribe()
                    self._ever_subscribed = True
                    self._needs_seek = bool(self._delivered)
                    yield _state(ConnectionStatus.SUBSCRIBED, self.options.layer)
                if self._needs_seek:
                    await self._resume_after_resubscribe()
                if self._commit_due():
                    await self._commit_quietly()
                    if self._subscription is None:
                        continue  # the commit found it lost: subscribe again first
                batch = await self.poll()
                if failures:
                    failures = 0
                    yield _state(ConnectionStatus.SUBSCRIBED, "recovered")
                if self._commit_after_poll:
                    await self._commit_quietly()
                if batch.items:
                    yield batch
            except SubscriptionLost as exc:
                self._subscription = None
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
                self._client.forget(self.options.catalog, "stream", "v2")
                wait = self._backoff(failures, None, floor=self.options.error_backoff)
                yield _state(ConnectionStatus.ERROR, str(exc), wait=wait)
                await asyncio.sleep(wait)

    def ack(self, batch: Batch | Iterable[Decoded]) -> None:
        """Mark messages as handled: their offsets may now be committed."""
        items = batch.items if isinstance(batch, Batch) else batch
        for item in items:
            m = item.message
            if m.partition >= 0 and m.offset > self._acked.get(m.partition, -1):
                self._acked[m.partition] = m.offset

    # -- the protocol's steps ------------------------------------------------------------

    async def subscribe(self) -> None:
        """Subscribe (again) with this consumer's id; the group's committed offsets apply."""
        await self._drop_prefetch()
        properties: dict[str, Any] = {
            "auto.offset.reset": "earliest" if self.options.start == "earliest" else "latest",
            "group.id": self.consumer_id,
            "max.poll.records": self.options.max_poll_records,
            "enable.auto.commit": False,
        }
        for attempt in (1, 2):
            base = await self._client.lookup(self.options.catalog, "stream", "v2")
            response, _ = await self._client.send(
                "POST",
                f"{base}/layers/{quote(self.options.layer, safe='')}/subscribe",
                what="Stream subscribe",
                params={"mode": "serial", "consumerId": self.consumer_id},
                json={"kafkaConsumerProperties": properties},
                headers=self._correlation(),
            )
            self._remember_correlation(response)
            if response.status_code != 404 or attempt == 2:
                break
            # The base URL may have moved: look it up again before giving up on the layer.
            self._client.forget(self.options.catalog, "stream", "v2")
        self._raise_for(response, "subscribe", lost_on_404=False)
        body = self._client.body(response)
        try:
            node = str(body["nodeBaseURL"]).rstrip("/")
            subscription_id = str(body["subscriptionId"])
        except KeyError:
            raise StreamFailed("subscribe answer lacks nodeBaseURL or subscriptionId") from None
        try:
            # The token goes to this node too: never in the clear.
            require_secure_url(node, "the nodeBaseURL the service gave")
        except ValueError as exc:
            raise StreamFailed(str(exc)) from None
        self._subscription = _Subscription(node, subscription_id)
        log.info("subscribed as %s at %s", self.consumer_id, node)

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
                messages = await self._poll_answer()
            except TransientError as exc:
                self._resync = self._resync or exc.answer_lost
                raise
            now = time.time()
            delivered = self._delivered
            pending: list[StreamMessage | _Pending] = []
            needs_blob = False
            for raw in messages:
                raw = raw if isinstance(raw, dict) else {}
                meta = raw.get("metaData")
                meta = meta if isinstance(meta, dict) else {}
                try:
                    place = raw["offset"]
                    partition = int(place["partition"])
                    offset = int(place["offset"])
                except (KeyError, TypeError, ValueError):
                    # Kept (as partition -1) so the reader counts it; it cannot be committed.
                    pending.append(_Pending(meta, -1, -1, now, unplaced=True))
                    continue
                if offset <= delivered.get(partition, -1):
                    continue  # redelivered after a resubscribe: the reader has it already
                data = meta.get("data")
                if isinstance(data, str):  # inline, as nearly every message is: no Blob
                    pending.append(_inline_message(meta, data, partition, offset, now))
                else:
                    needs_blob = needs_blob or data is None
                    pending.append(_Pending(meta, partition, offset, now))
            self._pending = pending
            if len(messages) >= self.options.max_poll_records and not needs_blob:
                await self._start_prefetch()
        await self._fetch_blobs(self._pending)
        items = tuple(
            decode(p) if isinstance(p, StreamMessage) else self._decode(p) for p in self._pending
        )
        for p in self._pending:
            if p.partition >= 0 and p.offset > self._delivered.get(p.partition, -1):
                self._delivered[p.partition] = p.offset
        self._pending = None
        return Batch(items)

    async def _poll_answer(self) -> list[Any]:
        """The messages of the prefetched poll when it was made on this subscription, else of
        a poll made now."""
        task, self._prefetch = self._prefetch, None
        if task is not None and task.sub is self._subscription:
            return await task.answer
        if task is not None:
            await _cancel(task.answer)
        return await self._poll_request()

    async def _poll_request(self) -> list[Any]:
        response, token = await self._node_call("GET", "partitions", "Stream poll")
        self._raise_for(response, "poll")
        messages = _poll_messages(response)
        self._poll_token = token
        return messages

    async def _start_prefetch(self) -> None:
        sub = self._subscription
        if sub is None or self._closed:
            return
        self._prefetch = _Prefetch(sub, asyncio.ensure_future(self._poll_request()))
        # Let it send its request before the CPU-bound decoding starts.
        for _ in range(PREFETCH_SEND_STEPS):
            await asyncio.sleep(0)

    async def _settle_prefetch(self) -> None:
        """Wait for the poll in flight (its answer, or error, is kept for `poll`): the service
        sees one call at a time, and the token of the latest poll is known."""
        if self._prefetch is not None:
            await asyncio.wait({self._prefetch.answer})

    async def _drop_prefetch(self) -> None:
        """Abandon the poll in flight: its messages were never handed out, so they stay
        uncommitted and the group gets them again."""
        task, self._prefetch = self._prefetch, None
        if task is not None:
            await _cancel(task.answer)

    async def commit(self, *, final: bool = False) -> None:
        """Commit the acknowledged offsets not yet committed."""
        offsets = [
            {"partition": p, "offset": o}
            for p, o in sorted(self._acked.items())
            if o > self._committed.get(p, -1)
        ]
        self._last_commit = time.monotonic()
        if not offsets or self._subscription is None:
            return
        await self._settle_prefetch()
        # The service wants the token of the latest poll on /offsets (else 412 E213010).
        token = self._poll_token
        for attempt in (1, 2):
            response, _ = await self._node_call(
                "PUT", "offsets", "Stream commit", token=token, json={"offsets": offsets}
            )
            if response.status_code == 412 and final and attempt == 1:
                # Leaving, so no next poll will renew the token: renew it now with a short
                # poll whose messages stay uncommitted (the group gets them again).
                token = await self._renew_poll_token()
                if token is not None:
                    continue
            break
        if response.status_code in (409, 412):
            # 409 E213028 "unable to commit": later. 412: after the next poll renews the token.
            self._commit_after_poll = True
            log.debug("commit deferred: HTTP %s", response.status_code)
            return
        self._raise_for(response, "commit")
        self._commit_after_poll = False
        for item in offsets:
            self._committed[item["partition"]] = item["offset"]

    async def _renew_poll_token(self) -> Token | None:
        if self._subscription is None:
            return None
        try:
            response, token = await self._node_call(
                "GET", "partitions", "Stream poll", timeout=RENEW_POLL_TIMEOUT
            )
        except (TransientError, AuthenticationError) as exc:
            log.warning("could not renew the token for the final commit: %s", exc)
            return None
        return token if response.status_code == 200 else None

    async def seek(self, offsets: dict[int, int]) -> None:
        """Make the next poll of each partition start at the given offset."""
        await self._drop_prefetch()
        body = {"offsets": [{"partition": p, "offset": o} for p, o in offsets.items()]}
        response, _ = await self._node_call("PUT", "seek", "Stream seek", json=body)
        self._raise_for(response, "seek")
        for partition, offset in offsets.items():
            self._delivered[partition] = offset - 1
        self._pending = None

    async def unsubscribe(self) -> None:
        """Release the subscription; the service frees what it holds for it."""
        await self._drop_prefetch()
        sub = self._subscription
        if sub is None:
            return
        self._subscription = None
        response, _ = await self._node_call("DELETE", "subscribe", "Stream unsubscribe", sub)
        if response.status_code == 404:
            return  # already gone: the goal is reached
        self._raise_for(response, "unsubscribe")

    # -- helpers ---------------------------------------------------------------------------

    async def _fetch_blobs(self, pending: list[StreamMessage | _Pending]) -> None:
        for p in pending:
            if isinstance(p, StreamMessage):
                continue
            handle = p.message.get("dataHandle")
            if p.blob_done or p.message.get("data") is not None or not handle:
                continue
            try:
                p.blob = await self._client.fetch_blob(
                    self.options.catalog, self.options.layer, str(handle)
                )
            except (TransientError, AuthenticationError):
                raise  # retried with the whole poll, or fatal for every message alike
            except HereError as exc:
                # This one payload cannot be had: reject it, keep reading the others.
                p.blob_error = str(exc)
            p.blob_done = True

    def _decode(self, p: _Pending) -> Decoded:
        message = self._message(p)
        if p.unplaced:
            return Rejection(message, RejectReason.NO_DATA, "message without a partition/offset")
        if p.blob_error is not None:
            return Rejection(message, RejectReason.BLOB_UNAVAILABLE, p.blob_error)
        return decode(message)

    def _message(self, p: _Pending) -> StreamMessage:
        meta = p.message
        data = meta.get("data")
        timestamp = meta.get("timestamp")
        key = meta.get("partition")
        handle = meta.get("dataHandle")
        return StreamMessage(
            partition=p.partition,
            offset=p.offset,
            data=data if isinstance(data, str) else p.blob,
            timestamp=timestamp if isinstance(timestamp, int) else None,
            key=None if key is None else str(key),
            data_handle=None if handle is None else str(handle),
            received_at=p.received_at,
        )

    async def _drop_subscription(self, why: str) -> None:
        """Release the subscription if the service still listens (briefly), and forget it."""
        self._resync = False
        await self._drop_prefetch()
        if self._subscription is None:
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
        self._subscription = None
        self._lost = why

    async def _resume_after_resubscribe(self) -> None:
        """Continue right after the last delivered message on a renewed subscription.

        A new subscription starts at the group's committed offsets, else at `latest` (skipping
        messages) or `earliest` (reading everything again): where commits are failing, neither
        moves on. Seeking puts each partition where we were; a partition never delivered
        starts where the group's offsets say.
        """
        try:
            await self.seek({p: o + 1 for p, o in self._delivered.items()})
        except StreamFailed as exc:
            log.warning("could not seek back after resubscribing: %s", exc)
        # Transient errors propagate: the loop backs off and tries the seek again.
        self._needs_seek = False

    def _commit_due(self) -> bool:
        if not any(o > self._committed.get(p, -1) for p, o in self._acked.items()):
            return False
        first = not self._committed
        return first or time.monotonic() - self._last_commit >= self.options.commit_interval

    async def _commit_quietly(self) -> None:
        try:
            await self.commit()
        except (StreamFailed, TransientError, SubscriptionLost) as exc:
            # Offsets stay acknowledged and are committed next time; reading goes on, and a
            # batch already polled is still handed out before subscribing again.
            log.info("commit failed, will retry: %s", exc)
            self._commit_after_poll = True
            if isinstance(exc, SubscriptionLost):
                self._subscription = None
                self._lost = str(exc)

    async def _node_call(
        self, method: str, endpoint: str, what: str, sub: _Subscription | None = None, **kwargs: Any
    ) -> tuple[httpx.Response, Token]:
        """One call to the subscription's node (`partitions`, `offsets`, `seek`, `subscribe`),
        with the subscription's parameters and the correlation id echoed both ways."""
        sub = sub or self._require_subscription()
        response, token = await self._client.send(
            method,
            f"{sub.node}/layers/{quote(self.options.layer, safe='')}/{endpoint}",
            what=what,
            params={"subscriptionId": sub.subscription_id, "mode": "serial"},
            headers=self._correlation(),
            **kwargs,
        )
        self._remember_correlation(response)
        return response, token

    def _require_subscription(self) -> _Subscription:
        if self._subscription is None:
            raise SubscriptionLost("not subscribed")
        return self._subscription

    def _correlation(self) -> dict[str, str]:
        return {"X-Correlation-ID": self._correlation_id} if self._correlation_id else {}

    def _remember_correlation(self, response: httpx.Response) -> None:
        if value := response.headers.get("X-Correlation-ID"):
            self._correlation_id = value

    def _raise_for(self, response: httpx.Response, step: str, *, lost_on_404: bool = True) -> None:
        status = response.status_code
        if status < 400:
            return
        code, detail = error_details(response)
        if (status == 404 and lost_on_404) or (status == 400 and code == "E213014"):
            raise SubscriptionLost(f"subscription lost ({code or status}: {detail})")
        if status == 403:
            raise AccessDenied(f"{step}: no access to {self.options.catalog}: {detail}")
        raise StreamFailed(
            f"{step} failed (HTTP {status}{', ' + code if code else ''}): {detail}",
            status=status,
            code=code,
        )

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


def _inline_message(
    meta: dict[str, Any], data: str, partition: int, offset: int, received_at: float
) -> StreamMessage:
    """The message of a poll's entry whose payload came inline (as `_message` builds it)."""
    timestamp = meta.get("timestamp")
    key = meta.get("partition")
    handle = meta.get("dataHandle")
    return StreamMessage(
        partition=partition,
        offset=offset,
        data=data,
        timestamp=timestamp if isinstance(timestamp, int) else None,
        key=None if key is None else str(key),
        data_handle=None if handle is None else str(handle),
        received_at=received_at,
    )


async def _cancel(answer: asyncio.Future[list[Any]]) -> None:
    """Cancel a prefetched poll and wait until it let go of its connection."""
    answer.cancel()
    await asyncio.wait({answer})
    if not answer.cancelled():
        answer.exception()  # finished before the cancel: its error, if any, is not news


def _poll_messages(response: httpx.Response) -> list[Any]:
    """The `messages` of a poll answer; a garbled answer is retried like a lost one."""
    if not response.content or response.content.isspace():
        return []
    try:
        # pydantic's JSON parser: a poll answer is up to hundreds of KB, and json.loads took
        # a tenth of `evtui tail`'s time on it.
        body = from_json(response.content)
    except ValueError:
        raise TransientError("the poll answer is not JSON", answer_lost=True) from None
    messages = body.get("messages", []) if isinstance(body, dict) else None
    if not isinstance(messages, list):
        raise TransientError("the poll answer holds no list of messages", answer_lost=True)
    return messages


def _default_consumer_id(client: HereClient, start: Start) -> str:
    if start == "committed":
        # Resuming needs the same group every run: derive it from who and where we are.
        creds = client.credentials
        who = f"{creds.client_id or creds.access_key_id}@{socket.gethostname()}"
        return "evtui-" + hashlib.sha256(who.encode()).hexdigest()[:16]
    return "evtui-" + secrets.token_hex(8)
