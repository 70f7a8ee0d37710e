"""The HERE client through a raw socket proxy that resets, truncates, trickles and stalls.

Every test reads a known set of payloads through the real client and checks what a user
relies on: each payload arrives exactly once whatever broke, the offsets of all of them end
up committed, and the subscription is released.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace

import pytest

from evtui.emulator import EmulatorServer
from evtui.here import AccessDenied, ConnectionStatus, Credentials, StreamFailed
from tests.faultproxy import FaultProxy
from tests.here.test_stream import Reading, at_timeout, publish, read


@pytest.fixture
def proxy(server: EmulatorServer) -> Iterator[FaultProxy]:
    with FaultProxy(server.port) as running:
        yield running


def through(proxy: FaultProxy, credentials: Credentials) -> Credentials:
    return replace(credentials, token_endpoint_url=f"{proxy.base_url}/oauth2/token")


async def read_through(
    proxy: FaultProxy,
    server: EmulatorServer,
    credentials: Credentials,
    count: int,
    **options: object,
) -> Reading:
    return await at_timeout(  # type: ignore[no-any-return]
        read(
            server,
            through(proxy, credentials),
            count,
            lookup_url=f"{proxy.base_url}/lookup/v1",
            backoff_base=0.05,
            **options,  # type: ignore[arg-type]
        ),
        60,
    )


def assert_exactly_once(reading: Reading, ids: list[str]) -> None:
    counts = Counter(reading.ids())
    assert sorted(counts) == sorted(ids), "payloads lost"
    assert max(counts.values()) == 1, "payloads delivered twice"


@pytest.mark.parametrize("action", ["reset", "truncate", "garbage"])
async def test_poll_answers_lost_after_the_service_sent_them_lose_and_repeat_nothing(
    server: EmulatorServer, credentials: Credentials, proxy: FaultProxy, action: str
) -> None:
    # The service has moved its read position past the messages of a lost answer: a client
    # that simply polled again would skip them for good.
    ids, ends = publish(server, range(300))
    proxy.add(action, "/partitions", times=3, skip=1)  # type: ignore[arg-type]

    reading = await read_through(proxy, server, credentials, 300)

    assert [a for _, _, a in proxy.broken] == [action] * 3
    assert_exactly_once(reading, ids)
    assert server.emulator.committed(reading.consumer_id) == ends
    assert server.emulator.live_subscriptions() == 0


@pytest.mark.parametrize("start", ["earliest", "latest"])
async def test_a_lost_answer_on_a_latest_subscription_resumes_in_place(
    server: EmulatorServer, credentials: Credentials, proxy: FaultProxy, start: str
) -> None:
    later: list[str] = []

    def publish_once_subscribed() -> None:
        if not later:
            later.extend(publish(server, range(200))[0])

    proxy.add("reset", "/partitions", times=2, skip=2)

    reading = await read_through(
        proxy, server, credentials, 200, start=start, on_subscribed=publish_once_subscribed
    )

    assert len(proxy.broken) == 2
    assert_exactly_once(reading, later)


async def test_a_trickling_answer_is_given_up_at_the_deadline_and_nothing_is_lost(
    server: EmulatorServer, credentials: Credentials, proxy: FaultProxy
) -> None:
    ids, ends = publish(server, range(100))
    proxy.add("trickle", "/partitions", skip=1, delay=0.05)

    started = time.monotonic()
    reading = await read_through(proxy, server, credentials, 100, deadline=1.0)

    assert time.monotonic() - started < 15
    waits = [s for _, s in reading.states if s.status is ConnectionStatus.WAITING]
    assert any("did not answer within 1 s" in w.detail for w in waits)
    assert_exactly_once(reading, ids)
    assert server.emulator.committed(reading.consumer_id) == ends


async def test_a_stalled_request_is_given_up_at_the_deadline(
    server: EmulatorServer, credentials: Credentials, proxy: FaultProxy
) -> None:
    ids, _ = publish(server, range(100))
    proxy.add("stall", "/partitions", skip=1)

    reading = await read_through(proxy, server, credentials, 100, deadline=1.0)

    assert [a for _, _, a in proxy.broken] == ["stall"]
    assert_exactly_once(reading, ids)


@pytest.mark.parametrize("path", ["/oauth2/token", "/lookup/v1", "/subscribe", "/offsets"])
async def test_every_step_survives_connections_reset_under_it(
    server: EmulatorServer, credentials: Credentials, proxy: FaultProxy, path: str
) -> None:
    ids, ends = publish(server, range(200))
    proxy.add("refuse", path, times=2)
    proxy.add("reset", path, times=1)

    # Commit after every poll, so that commits are broken too, not only the last one.
    reading = await read_through(proxy, server, credentials, 200, commit_interval=0)

    assert len(proxy.broken) == 3
    assert_exactly_once(reading, ids)
    assert server.emulator.committed(reading.consumer_id) == ends
    waits = [s for _, s in reading.states if s.status is ConnectionStatus.WAITING]
    if path != "/offsets":  # a failed commit is retried quietly, reading goes on
        assert len(waits) >= 3
        refused, reset = "cannot reach", "lost the connection to"
        assert all(w.detail.startswith((refused, reset)) for w in waits)
        assert any(w.detail.startswith(reset) for w in waits)


async def test_errors_retrying_rarely_fixes_are_retried_once_the_stream_has_worked(
    server: EmulatorServer, credentials: Credentials, proxy: FaultProxy
) -> None:
    # Access revoked for a while, days into a run: the monitor waits for it to come back.
    ids, ends = publish(server, range(200))
    denied = {"title": "Forbidden", "status": 403, "code": "E213004"}
    proxy.add("answer", "/partitions", times=2, skip=1, status=403, body=denied)

    reading = await read_through(proxy, server, credentials, 200, error_backoff=0.05)

    errors = [s for _, s in reading.states if s.status is ConnectionStatus.ERROR]
    assert len(errors) == 2
    assert all(e.wait is not None and "no access" in e.detail for e in errors)
    assert "retrying in" in errors[0].describe()
    assert_exactly_once(reading, ids)
    assert server.emulator.committed(reading.consumer_id) == ends


async def test_a_stream_that_never_worked_says_why_at_once(
    server: EmulatorServer, credentials: Credentials, proxy: FaultProxy
) -> None:
    denied = {"title": "Forbidden", "status": 403, "code": "E213004"}
    proxy.add("answer", "/subscribe", times=1, status=403, body=denied)

    with pytest.raises(AccessDenied, match="no access to hrn:here:data::olp-here:evcp2"):
        await read_through(proxy, server, credentials, 1)


async def test_a_node_url_in_the_clear_off_loopback_gets_no_token(
    server: EmulatorServer, credentials: Credentials, proxy: FaultProxy
) -> None:
    node = {"nodeBaseURL": "http://stream.example.com/node", "subscriptionId": "s1"}
    proxy.add("answer", "/subscribe", times=1, status=201, body=node)

    with pytest.raises(StreamFailed, match="must use https"):
        await read_through(proxy, server, credentials, 1)
    # Nothing went anywhere after the answer that named the node: no poll, no token.
    method, path = proxy.seen[-1]
    assert method == "POST" and "/subscribe" in path


async def test_lost_answers_while_commits_fail_still_move_on(
    server: EmulatorServer, credentials: Credentials, proxy: FaultProxy
) -> None:
    # Every third poll's answer is lost and no commit ever lands: each new subscription
    # would start from the group's offsets (none: the very start) and never get further.
    ids, _ = publish(server, range(300))
    proxy.add("answer", "/offsets", times=10_000, status=503, body={"title": "Unavailable"})
    proxy.add("reset", "/partitions", times=10_000, every=3)

    reading = await read_through(proxy, server, credentials, 300)

    assert_exactly_once(reading, ids)
    assert len([a for _, _, a in proxy.broken if a == "reset"]) >= 2
