"""The HERE client reading a stream from the emulator over real loopback HTTP, through faults.

Every test publishes a known set of payloads, reads them back with the real client and checks
what a user relies on: each payload arrives exactly once, offsets get committed, the
subscription is released.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from evtui.emulator import EmulatorConfig, EmulatorServer
from evtui.here import (
    EV_CATALOG,
    EV_LAYER,
    ConnectionState,
    ConnectionStatus,
    Credentials,
    HereClient,
    StreamConsumer,
    StreamOptions,
    parse_credentials,
)
from evtui.here.client import DEADLINE
from evtui.model import Batch, Rejection, RejectReason
from tests.conftest import location_doc


@dataclass
class Reading:
    """What one run of the consumer saw."""

    documents: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    states: list[tuple[float, ConnectionState]] = field(default_factory=list)
    batches: list[tuple[float, Batch]] = field(default_factory=list)
    consumer_id: str = ""

    def ids(self) -> list[str]:
        return [str(d["id"]) for d in self.documents]


OnBatch = Callable[[int, StreamConsumer], None]


async def read(
    server: EmulatorServer,
    credentials: Credentials,
    count: int,
    *,
    on_batch: OnBatch | None = None,
    on_subscribed: Callable[[], None] | None = None,
    on_state: Callable[[ConnectionState], None] | None = None,
    reading: Reading | None = None,
    lookup_url: str | None = None,
    deadline: float = DEADLINE,
    **options: Any,
) -> Reading:
    """Consume until `count` messages (valid or not) arrived, then leave as `tail` does."""
    reading = reading if reading is not None else Reading()
    options.setdefault("start", "earliest")
    options.setdefault("max_poll_records", 50)  # several batches, so faults land mid-run
    async with (
        HereClient(
            credentials, lookup_url=lookup_url or server.lookup_url, deadline=deadline
        ) as client,
        client.stream(StreamOptions(EV_CATALOG, EV_LAYER, **options)) as consumer,
    ):
        reading.consumer_id = consumer.consumer_id
        async for event in consumer:
            if isinstance(event, ConnectionState):
                reading.states.append((time.monotonic(), event))
                if on_state is not None:
                    on_state(event)
                if event.status is ConnectionStatus.SUBSCRIBED and on_subscribed:
                    on_subscribed()
                continue
            reading.batches.append((time.monotonic(), event))
            reading.documents += [json.loads(a.document) for a in event.accepted]
            reading.rejected += event.rejected
            consumer.ack(event)
            if on_batch is not None:
                on_batch(len(reading.batches), consumer)
            if len(reading.documents) + len(reading.rejected) >= count:
                break
    return reading


def publish(server: EmulatorServer, numbers: range) -> tuple[list[str], dict[int, int]]:
    """Publish one payload per number; the ids and each partition's next offset."""
    ends: dict[int, int] = {}
    ids = []
    for n in numbers:
        doc = location_doc(n)
        partition, offset = server.emulator.publish(doc)
        ends[partition] = offset + 1
        ids.append(str(doc["id"]))
    return ids, ends


def at_timeout(coro: Any, seconds: float = 30) -> Any:
    return asyncio.wait_for(coro, seconds)


async def test_reads_every_payload_once_commits_and_unsubscribes(
    server: EmulatorServer, credentials: Credentials
) -> None:
    ids, ends = publish(server, range(300))

    reading = await at_timeout(read(server, credentials, 300))

    assert sorted(reading.ids()) == sorted(ids)
    assert len(set(reading.ids())) == 300
    # Within a partition (one location's messages) the arrival order is the published order.
    for batch_time, batch in reading.batches:
        del batch_time
        offsets = [(i.message.partition, i.message.offset) for i in batch.items]
        for p in {p for p, _ in offsets}:
            mine = [o for q, o in offsets if q == p]
            assert mine == sorted(mine)
    assert server.emulator.committed(reading.consumer_id) == ends
    assert server.emulator.live_subscriptions() == 0
    assert server.emulator.unsubscribed == 1


async def test_token_refused_mid_run_is_renewed_without_losing_anything(
    server: EmulatorServer, credentials: Credentials
) -> None:
    ids, ends = publish(server, range(200))

    def expire(n: int, _: StreamConsumer) -> None:
        if n in (1, 3):
            server.emulator.expire_tokens()

    reading = await at_timeout(read(server, credentials, 200, on_batch=expire))

    assert sorted(reading.ids()) == sorted(ids)
    assert server.emulator.tokens_issued == 3
    assert server.emulator.committed(reading.consumer_id) == ends
    assert server.emulator.live_subscriptions() == 0


async def test_short_lived_tokens_are_refreshed_before_they_expire(
    server: EmulatorServer, credentials: Credentials
) -> None:
    server.config.token_lifetime = 1.0
    publish(server, range(50))
    more = range(50, 100)

    def later(n: int, _: StreamConsumer) -> None:
        if n == 1:
            asyncio.get_running_loop().call_later(1.5, publish, server, more)

    reading = await at_timeout(read(server, credentials, 100, on_batch=later))

    assert len(set(reading.ids())) == 100
    assert server.emulator.tokens_issued >= 2
    assert not [s for _, s in reading.states if s.status is ConnectionStatus.ERROR]


async def test_503_waits_exactly_the_retry_after_the_service_asks(
    server: EmulatorServer, credentials: Credentials
) -> None:
    ids, _ = publish(server, range(20))
    server.emulator.faults.unavailable = 1
    server.emulator.faults.retry_after = 0.6

    reading = await at_timeout(read(server, credentials, 20))

    waits = [(t, s) for t, s in reading.states if s.status is ConnectionStatus.WAITING]
    assert len(waits) == 1
    waited_at, state = waits[0]
    assert state.wait == pytest.approx(0.6)
    assert "503" in state.describe()
    first_batch_at = reading.batches[0][0]
    assert first_batch_at - waited_at >= 0.55
    assert sorted(reading.ids()) == sorted(ids)


async def test_server_errors_back_off_and_recover(
    server: EmulatorServer, credentials: Credentials
) -> None:
    ids, _ = publish(server, range(20))
    server.emulator.faults.server_errors = 3

    reading = await at_timeout(read(server, credentials, 20, backoff_base=0.05))

    waits = [s for _, s in reading.states if s.status is ConnectionStatus.WAITING]
    assert len(waits) == 3
    assert all(s.wait is not None and 0 < s.wait <= 0.2 for s in waits)
    recovered = [s for _, s in reading.states if "recovered" in s.describe()]
    assert len(recovered) == 1  # only once a poll went through
    assert sorted(reading.ids()) == sorted(ids)


async def test_backoff_grows_while_the_failures_go_on(
    server: EmulatorServer, credentials: Credentials
) -> None:
    publish(server, range(5))
    server.emulator.faults.server_errors = 6

    reading = await at_timeout(read(server, credentials, 5, backoff_base=0.02))

    waits = [s.wait or 0 for _, s in reading.states if s.status is ConnectionStatus.WAITING]
    assert len(waits) == 6
    # Full jitter up to base * 2**(n-1): the last waits reach beyond the first ceiling.
    assert max(waits[3:]) > 0.02
    assert all(w <= 0.02 * 2**n for n, w in enumerate(waits))


@pytest.mark.parametrize("start", ["earliest", "latest"])
async def test_lost_subscription_resubscribes_with_the_same_consumer_id(
    server: EmulatorServer, credentials: Credentials, start: str
) -> None:
    published: list[str] = []

    def first_wave() -> None:
        if not published:
            published.extend(publish(server, range(100))[0])

    def drop_then_more(n: int, _: StreamConsumer) -> None:
        if n == 1:
            # Lost before anything was committed: a `latest` group would skip messages here.
            server.emulator.drop_subscriptions()
            published.extend(publish(server, range(100, 200))[0])

    reading = await at_timeout(
        read(
            server,
            credentials,
            200,
            start=start,
            on_subscribed=first_wave,
            on_batch=drop_then_more,
            commit_interval=3600,
        )
    )

    assert sorted(reading.ids()) == sorted(published)
    assert len(reading.ids()) == 200
    assert server.emulator.subscribed == [reading.consumer_id] * 2
    lost = [s for _, s in reading.states if "subscription lost" in s.describe()]
    assert len(lost) == 1
    assert server.emulator.live_subscriptions() == 0


async def test_payload_over_the_inline_limit_comes_through_blob() -> None:
    # HERE inlines payloads up to 1 MB: the emulator's limit is lowered to send an ordinary
    # large one through Blob (tests/test_large_payloads.py sends ones past 1 MB).
    config = EmulatorConfig(live=False, poll_wait=0.1, partitions=4, inline_limit=20_000)
    big = {
        "id": "here:evcp:charginglocation:big",
        "evses": [
            {
                "id": f"here:evcp:evse:{secrets.token_hex(32)}",
                "status": "CHARGING",
                "last_updated": "2026-11-25T10:00:00Z",
            }
            for _ in range(1_000)
        ],
    }
    assert len(gzip.compress(json.dumps(big).encode())) > config.inline_limit
    with EmulatorServer(config) as server:
        credentials = parse_credentials(server.credentials_text())
        publish(server, range(3))
        server.emulator.publish(big)
        publish(server, range(3, 6))

        reading = await at_timeout(read(server, credentials, 7))

    got = {d["id"]: d for d in reading.documents}
    assert got[big["id"]] == big
    assert len(got) == 7
    handles = [a.message.data_handle for _, b in reading.batches for a in b.accepted]
    assert sum(h is not None for h in handles) == 1


async def test_malformed_messages_are_rejected_with_reasons_and_the_rest_flows(
    server: EmulatorServer, credentials: Credentials
) -> None:
    publish(server, range(5))
    for kind in ("base64", "gzip", "json", "schema"):
        server.emulator.publish_malformed(kind)  # type: ignore[arg-type]
    _, ends = publish(server, range(5, 10))

    reading = await at_timeout(read(server, credentials, 14))

    assert len(reading.documents) == 10
    assert {r.reason for r in reading.rejected} == {
        RejectReason.BAD_BASE64,
        RejectReason.BAD_GZIP,
        RejectReason.BAD_JSON,
        RejectReason.BAD_SCHEMA,
    }
    schema = next(r for r in reading.rejected if r.reason is RejectReason.BAD_SCHEMA)
    assert "evses.0.status" in schema.detail
    # Rejected messages are handled too: their offsets are committed with the rest.
    committed = server.emulator.committed(reading.consumer_id)
    assert all(committed[p] >= end for p, end in ends.items())


async def test_cancelling_the_reader_unsubscribes_and_commits(
    server: EmulatorServer, credentials: Credentials
) -> None:
    publish(server, range(60))
    first_batch = asyncio.Event()

    def seen(n: int, _: StreamConsumer) -> None:
        first_batch.set()

    task = asyncio.create_task(read(server, credentials, 10**9, on_batch=seen))
    await at_timeout(first_batch.wait())
    await asyncio.sleep(0.3)  # a poll is waiting server-side when the cancel comes
    task.cancel()
    await asyncio.sleep(0.01)
    task.cancel()  # impatient: Ctrl-C twice, or an app that cancels again on exit
    with pytest.raises(asyncio.CancelledError):
        await task

    assert server.emulator.live_subscriptions() == 0
    assert server.emulator.unsubscribed == 1
    assert sum(server.emulator.committed(server.emulator.subscribed[0]).values()) == 60


async def test_a_restart_with_the_same_consumer_id_resumes_after_the_last_commit(
    server: EmulatorServer, credentials: Credentials
) -> None:
    publish(server, range(40))
    await at_timeout(read(server, credentials, 40, consumer_id="me", start="earliest"))
    second, _ = publish(server, range(40, 70))

    again = await at_timeout(read(server, credentials, 30, consumer_id="me", start="committed"))

    assert sorted(again.ids()) == sorted(second)
    assert server.emulator.subscribed == ["me", "me"]


async def test_each_stream_call_echoes_the_latest_correlation_id(
    server: EmulatorServer, credentials: Credentials
) -> None:
    publish(server, range(120))
    await at_timeout(read(server, credentials, 120))

    stream_calls = [r for r in server.emulator.requests if r[1].startswith("/stream")]
    assert stream_calls[0][1].endswith("/subscribe") and stream_calls[0][2] is None
    # The emulator answers with the id it received, or a new one when none came.
    assert len(stream_calls) > 3
    assert all(sent is not None for _, _, sent in stream_calls[1:])
    assert len({sent for _, _, sent in stream_calls[1:]}) == 1


async def test_offsets_are_committed_on_exit_even_when_the_poll_token_just_expired(
    server: EmulatorServer, credentials: Credentials
) -> None:
    """The service takes commits only with the last poll's token (412 otherwise)."""
    _, ends = publish(server, range(30))

    def expire(n: int, _: StreamConsumer) -> None:
        server.emulator.expire_tokens()

    reading = await at_timeout(read(server, credentials, 30, on_batch=expire, max_poll_records=500))

    assert len(reading.batches) == 1
    assert server.emulator.committed(reading.consumer_id) == ends
    assert server.emulator.live_subscriptions() == 0


async def test_a_platform_that_is_down_at_first_is_waited_for_with_backoff() -> None:
    with socket.socket() as probe:  # a free port, closed again: connections are refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    later = EmulatorServer(EmulatorConfig(live=False, poll_wait=0.1), port=port)
    credentials = parse_credentials(later.credentials_text())  # known before it starts
    waits: list[ConnectionState] = []

    def refused(state: ConnectionState) -> None:
        if state.status is ConnectionStatus.WAITING:
            waits.append(state)
        if len(waits) == 3 and not later.running:
            later.start()  # the platform comes back
            publish(later, range(10))

    try:
        reading = await at_timeout(
            read(later, credentials, 10, on_state=refused, backoff_base=0.05)
        )
    finally:
        later.stop()

    assert len(reading.documents) == 10
    assert "cannot reach the token endpoint (127.0.0.1)" in waits[0].describe()
    assert all(w.wait is not None and w.wait < 1 for w in waits)


async def test_leaving_mid_backlog_commits_only_what_the_reader_was_handed(
    server: EmulatorServer, credentials: Credentials
) -> None:
    """Full polls are asked for ahead of time; what was asked for but not handed out stays
    uncommitted, so the next run with the same consumer id starts right after the last batch."""
    ids, _ = publish(server, range(200))

    first = await at_timeout(read(server, credentials, 50, consumer_id="me", max_poll_records=50))
    handed = {p: o + 1 for _, b in first.batches for p, o in _last_offsets(b).items()}
    assert len(first.ids()) == 50
    assert server.emulator.committed("me") == handed

    rest = await at_timeout(read(server, credentials, 150, consumer_id="me", start="committed"))

    assert sorted(first.ids() + rest.ids()) == sorted(ids)


def _last_offsets(batch: Batch) -> dict[int, int]:
    last: dict[int, int] = {}
    for item in batch.items:
        last[item.message.partition] = max(
            item.message.offset, last.get(item.message.partition, -1)
        )
    return last
