"""Parallel mode: several consumers of one group share the layer's partitions, over real
loopback HTTP between the real client and the emulator.

Each consumer is stepped by the test (`take`), so who polls when is fixed; the emulator's clock
is the test's, so a session timeout passes when the test says and never by accident.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

import pytest

from evtui.emulator import EmulatorConfig, EmulatorServer
from evtui.here import (
    EV_CATALOG,
    EV_LAYER,
    ConnectionState,
    ConnectionStatus,
    HereClient,
    StreamConsumer,
    StreamOptions,
    parse_credentials,
)
from evtui.model import Batch, Decoded
from tests.conftest import location_doc

GROUP = "recorders"
SESSION_TIMEOUT = 10.0
Where = tuple[int, int]
"""(Kafka partition, offset) of a message."""


class Clock:
    """The emulator's time, moved on only by the test (from now: tokens and nonces hold)."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Member:
    """One consumer, as one recorder process would run it; reads only when `take` says."""

    def __init__(self, consumer: StreamConsumer) -> None:
        self.consumer = consumer
        self._events: AsyncIterator[Batch | ConnectionState] = consumer.__aiter__()

    async def subscribed(self) -> None:
        while True:
            event = await self._next()
            if isinstance(event, ConnectionState) and event.status is ConnectionStatus.SUBSCRIBED:
                return

    async def take(self, count: int) -> list[Decoded]:
        """The next `count` messages handed out (more if the last batch brings more)."""
        items: list[Decoded] = []
        while len(items) < count:
            event = await self._next()
            if isinstance(event, Batch):
                items += event.items
        return items

    async def handled(self, items: list[Decoded]) -> None:
        """Acknowledge `items` and commit them now, as a recorder that wrote them does."""
        self.consumer.ack(items)
        await self.consumer.commit()

    async def leave(self) -> None:
        await self._events.aclose()  # type: ignore[attr-defined]
        await self.consumer.close()

    async def _next(self) -> Batch | ConnectionState:
        return await asyncio.wait_for(anext(self._events), 10)


class Platform:
    """The emulator and a way to start consumers on it."""

    def __init__(self, server: EmulatorServer, stack: contextlib.AsyncExitStack) -> None:
        self.server = server
        self.emulator = server.emulator
        self._stack = stack
        self._n = 0

    async def member(self, consumer_id: str = GROUP, mode: str = "parallel") -> Member:
        credentials = parse_credentials(self.server.credentials_text())
        client = await self._stack.enter_async_context(
            HereClient(credentials, lookup_url=self.server.lookup_url)
        )
        options = StreamOptions(
            EV_CATALOG,
            EV_LAYER,
            consumer_id=consumer_id,
            start="earliest",
            mode=mode,  # type: ignore[arg-type]
            max_poll_records=500,
            commit_interval=3600,  # commits happen when the test says
        )
        member = Member(StreamConsumer(client, options))
        self._stack.push_async_callback(member.consumer.close)
        await member.subscribed()
        return member

    def publish(self, per_partition: int) -> set[Where]:
        """`per_partition` new messages in every partition; where they went."""
        wanted = dict.fromkeys(range(self.emulator.config.partitions), per_partition)
        published: set[Where] = set()
        while any(wanted.values()):
            doc = location_doc(self._n)
            self._n += 1
            partition = self.emulator.partition_of(str(doc["id"]))
            if wanted[partition]:
                wanted[partition] -= 1
                published.add(self.emulator.publish(doc))
        return published


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def platform(clock: Clock) -> AsyncIterator[Platform]:
    config = EmulatorConfig(
        live=False, poll_wait=0.1, partitions=4, session_timeout=SESSION_TIMEOUT
    )
    with EmulatorServer(config, clock=clock) as server:
        async with contextlib.AsyncExitStack() as stack:
            yield Platform(server, stack)


def where(items: list[Decoded]) -> list[Where]:
    return [(i.message.partition, i.message.offset) for i in items]


def partitions(items: list[Decoded]) -> set[int]:
    return {i.message.partition for i in items}


def only(published: set[Where], *keep: int) -> set[Where]:
    return {w for w in published if w[0] in keep}


async def test_two_consumers_of_a_group_split_the_partitions_and_get_each_message_once(
    platform: Platform,
) -> None:
    a = await platform.member()
    b = await platform.member()
    published = platform.publish(10)

    got_a = await a.take(20)
    got_b = await b.take(20)
    await a.handled(got_a)
    await b.handled(got_b)

    # Kafka's range assignment: the first to join has the first half of the partitions.
    assert partitions(got_a) == {0, 1} and partitions(got_b) == {2, 3}
    assert len(got_a) == len(got_b) == 20  # nothing twice
    assert set(where(got_a)) | set(where(got_b)) == published
    assert platform.emulator.committed(GROUP) == dict.fromkeys(range(4), 10)


async def test_when_one_leaves_the_other_takes_over_from_the_group_s_last_commit(
    platform: Platform,
) -> None:
    a = await platform.member()
    b = await platform.member()
    first = platform.publish(10)
    await a.handled(await a.take(20))
    got_b = await b.take(20)
    # b wrote only the first half of what it got before it stopped.
    await b.handled([i for i in got_b if i.message.offset < 5])
    await b.leave()
    assert platform.emulator.committed(GROUP) == {0: 10, 1: 10, 2: 5, 3: 5}

    more = platform.publish(1)
    got_a = await a.take(14)

    # a now reads all four partitions: b's uncommitted tail comes again, then the new ones.
    tail = {(p, o) for p, o in only(first, 2, 3) if o >= 5}
    assert set(where(got_a)) == tail | more and len(got_a) == 14
    await a.handled(got_a)
    assert platform.emulator.committed(GROUP) == dict.fromkeys(range(4), 11)


async def test_a_third_consumer_joining_takes_a_share_and_the_old_owner_reads_on(
    platform: Platform,
) -> None:
    a = await platform.member()
    b = await platform.member()
    first = platform.publish(10)
    await a.handled(await a.take(20))
    got_b = await b.take(20)
    b.consumer.ack(got_b)  # handled, but not committed yet when c joins

    c = await platform.member()
    # Partition 3 is c's now: b's commit of it is refused (409), the rest goes through.
    await b.consumer.commit()
    assert platform.emulator.committed(GROUP) == {0: 10, 1: 10, 2: 10}

    more = platform.publish(1)
    got_c = await c.take(11)
    assert set(where(got_c)) == only(first | more, 3)  # from the group's last commit
    got_b = await b.take(1)
    assert where(got_b) == sorted(only(more, 2))  # b reads on, its share now partition 2
    got_a = await a.take(2)
    assert set(where(got_a)) == only(more, 0, 1)
    for member, items in ((a, got_a), (b, got_b), (c, got_c)):
        await member.handled(items)
    assert platform.emulator.committed(GROUP) == dict.fromkeys(range(4), 11)


async def test_a_consumer_silent_past_the_session_timeout_loses_its_partitions(
    platform: Platform, clock: Clock
) -> None:
    a = await platform.member()
    b = await platform.member()  # subscribes, then polls no more for a while
    first = platform.publish(1)
    clock.advance(SESSION_TIMEOUT * 0.6)
    await a.handled(await a.take(2))
    clock.advance(SESSION_TIMEOUT * 0.6)  # b has been silent past the timeout, a has not

    published = platform.publish(5)
    got_a = await a.take(22)

    # a reads b's partitions too, from where the group committed them (nowhere: the start).
    assert set(where(got_a)) == only(first, 2, 3) | published and len(got_a) == 22
    await a.handled(got_a)

    # b polls again: it joins the group again and resumes after a's commits, nothing twice.
    more = platform.publish(1)
    got_b = await b.take(2)
    assert set(where(got_b)) == only(more, 2, 3)
    got_a = await a.take(2)
    assert set(where(got_a)) == only(more, 0, 1)


async def test_a_serial_consumer_beside_a_parallel_group_still_reads_everything(
    platform: Platform,
) -> None:
    a = await platform.member()
    b = await platform.member()
    monitor = await platform.member("monitor", mode="serial")
    published = platform.publish(10)

    got = await monitor.take(40)
    got_a = await a.take(20)
    got_b = await b.take(20)

    assert set(where(got)) == published and len(got) == 40
    assert partitions(got_a) == {0, 1} and partitions(got_b) == {2, 3}


async def test_a_lost_subscription_comes_back_in_the_group_and_reads_on_without_repeats(
    platform: Platform,
) -> None:
    a = await platform.member()
    platform.publish(5)
    got = await a.take(20)
    await a.handled([i for i in got if i.message.offset < 2])
    platform.emulator.drop_subscriptions()  # a restarted service node

    more = platform.publish(1)
    again = await a.take(4)

    # The new subscription starts at the commits (offset 2): what a's reader already got is
    # not handed out again.
    assert set(where(again)) == more and len(again) == 4
    assert platform.emulator.subscribed == [GROUP, GROUP]
    await a.handled(again)
    # It is a member of the group again: a newcomer takes half of the partitions from it.
    c = await platform.member()
    latest = platform.publish(1)
    assert set(where(await c.take(2))) == only(latest, 2, 3)
    assert set(where(await a.take(2))) == only(latest, 0, 1)
