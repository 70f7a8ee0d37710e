"""The poll request, the prefetch of the next poll while a backlog lasts, and the poll token.

A prefetched poll's messages are not delivered until the consumer hands them out: dropping one
loses nothing, since nothing of it was committed and the group gets it again.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import httpx
from pydantic_core import from_json

from evtui.here._stream_node import StreamNode, Subscription
from evtui.here.errors import AuthenticationError, TransientError
from evtui.here.tokens import Token

__all__ = ["PREFETCH_SEND_STEPS", "RENEW_POLL_TIMEOUT", "Poller"]

log = logging.getLogger("evtui.here")

PREFETCH_SEND_STEPS = 5
"""Event-loop turns given to a prefetched poll to send its request before decoding starts
(httpx 0.28 on a kept-alive connection needs 3; more cost next to nothing)."""

RENEW_POLL_TIMEOUT = 1.0
"""A poll made only to renew the commit token may wait this long for the service."""


@dataclass
class _Prefetch:
    """A poll asked for ahead of time, on `sub`."""

    sub: Subscription
    answer: asyncio.Future[list[Any]]


class Poller:
    """Polls the node of `node`'s subscription, at most one poll in flight."""

    def __init__(self, node: StreamNode) -> None:
        self._node = node
        self._prefetch: _Prefetch | None = None
        self.token: Token | None = None
        """The token the latest poll went with: the service wants it on /offsets."""

    async def answer(self) -> list[Any]:
        """The messages of the prefetched poll when it was made on this subscription, else of
        a poll made now."""
        task, self._prefetch = self._prefetch, None
        if task is not None and task.sub is self._node.subscription:
            return await task.answer
        if task is not None:
            await _cancel(task.answer)
        return await self._request()

    async def _request(self) -> list[Any]:
        response, token = await self._node.call("GET", "partitions", "Stream poll")
        self._node.raise_for(response, "poll")
        messages = _poll_messages(response)
        self.token = token
        return messages

    async def prefetch(self) -> None:
        """Ask for the next poll now; `answer` gives its messages."""
        sub = self._node.subscription
        if sub is None:
            return
        self._prefetch = _Prefetch(sub, asyncio.ensure_future(self._request()))
        # Let it send its request before the CPU-bound decoding starts.
        for _ in range(PREFETCH_SEND_STEPS):
            await asyncio.sleep(0)

    async def settle(self) -> None:
        """Wait for the poll in flight (its answer, or error, is kept for `answer`): the service
        sees one call at a time, and the token of the latest poll is known."""
        if self._prefetch is not None:
            await asyncio.wait({self._prefetch.answer})

    async def drop(self) -> None:
        """Abandon the poll in flight: its messages were never handed out, so they stay
        uncommitted and the group gets them again."""
        task, self._prefetch = self._prefetch, None
        if task is not None:
            await _cancel(task.answer)

    async def renew_token(self) -> Token | None:
        """A token the service takes on /offsets, from a short poll whose messages stay
        uncommitted (the group gets them again); None when that poll fails."""
        if self._node.subscription is None:
            return None
        try:
            response, token = await self._node.call(
                "GET", "partitions", "Stream poll", timeout=RENEW_POLL_TIMEOUT
            )
        except (TransientError, AuthenticationError) as exc:
            log.warning("could not renew the token for the final commit: %s", exc)
            return None
        return token if response.status_code == 200 else None


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
