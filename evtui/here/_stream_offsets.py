"""Per Kafka partition, the offsets handed to the reader, acknowledged by it and committed; and
the commit.

Exactly-once for the reader rests on two rules kept here: a message at or below the delivered
offset is never handed out again, and a commit covers only what the reader acknowledged (the
service delivers everything after the last commit again to a new subscription).

In parallel mode a rebalance may hand a partition to another consumer of the group at any poll;
a commit for it is then refused (409), and it is that consumer's to commit from then on.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable

import httpx

from evtui.here._stream_messages import Entry
from evtui.here._stream_node import StreamNode
from evtui.here._stream_poll import Poller
from evtui.here.tokens import Token
from evtui.model import Decoded

__all__ = ["Offsets"]

log = logging.getLogger("evtui.here")


class Offsets:
    """What was delivered, acknowledged and committed, and committing what is due."""

    def __init__(self, node: StreamNode, poller: Poller) -> None:
        self._node = node
        self._poller = poller
        self.delivered: dict[int, int] = {}
        """The last offset handed out per partition: a poll skips what is at or below it."""
        self._acked: dict[int, int] = {}
        self._committed: dict[int, int] = {}
        self._last_commit = 0.0
        self.commit_after_poll = False
        """A commit was deferred or failed: try again right after the next poll."""

    def defer_commit(self) -> None:
        """Commit after the next poll (which renews the token or finds the node ready)."""
        self.commit_after_poll = True

    def ack(self, items: Iterable[Decoded]) -> None:
        """Mark messages as handled: their offsets may now be committed."""
        for item in items:
            m = item.message
            if m.partition >= 0 and m.offset > self._acked.get(m.partition, -1):
                self._acked[m.partition] = m.offset

    def deliver(self, entries: Iterable[Entry]) -> None:
        """Note messages as handed out, so that a redelivery of them is skipped."""
        for p in entries:
            if p.partition >= 0 and p.offset > self.delivered.get(p.partition, -1):
                self.delivered[p.partition] = p.offset

    def moved_to(self, offsets: dict[int, int]) -> None:
        """After a seek: each partition's next message is the one at the offset given."""
        for partition, offset in offsets.items():
            self.delivered[partition] = offset - 1

    def resume_points(self) -> dict[int, int]:
        """Where each partition delivered so far goes on: right after its last message."""
        return {p: o + 1 for p, o in self.delivered.items()}

    def due(self, interval: float) -> bool:
        """Whether acknowledged offsets wait and the first commit, or `interval` s since the
        last, has come."""
        if not any(o > self._committed.get(p, -1) for p, o in self._acked.items()):
            return False
        first = not self._committed
        return first or time.monotonic() - self._last_commit >= interval

    async def commit(self, *, final: bool = False) -> None:
        """Commit the acknowledged offsets not yet committed."""
        offsets = [
            {"partition": p, "offset": o}
            for p, o in sorted(self._acked.items())
            if o > self._committed.get(p, -1)
        ]
        self._last_commit = time.monotonic()
        if not offsets or self._node.subscription is None:
            return
        await self._poller.settle()
        # The service wants the token of the latest poll on /offsets (else 412 E213010).
        token = self._poller.token
        for attempt in (1, 2):
            response, _ = await self._node.call(
                "PUT", "offsets", "Stream commit", token=token, json={"offsets": offsets}
            )
            if response.status_code == 412 and final and attempt == 1:
                # Leaving, so no next poll will renew the token: renew it now.
                token = await self._poller.renew_token()
                if token is not None:
                    continue
            break
        if response.status_code == 409 and self._node.mode == "parallel":
            await self._commit_each(offsets, token, response)
            return
        if response.status_code in (409, 412):
            # 409 E213028 "unable to commit": later. 412: after the next poll renews the token.
            self.defer_commit()
            log.debug("commit deferred: HTTP %s", response.status_code)
            return
        self._node.raise_for(response, "commit")
        self.commit_after_poll = False
        for item in offsets:
            self._committed[item["partition"]] = item["offset"]

    async def _commit_each(
        self, offsets: list[dict[str, int]], token: Token | None, refused: httpx.Response
    ) -> None:
        """After a parallel commit got 409: commit partition by partition (the answer does not
        say which one the group took away), and let go of the refused ones."""
        for item in offsets:
            partition, offset = item["partition"], item["offset"]
            response = refused
            if len(offsets) > 1:
                response, _ = await self._node.call(
                    "PUT", "offsets", "Stream commit", token=token, json={"offsets": [item]}
                )
            if response.status_code == 409:
                # Its new owner resumes from the group's last commit: the reader saw these
                # messages, the group gets them again (at-least-once). Should the partition
                # come back, later acknowledgements are committed as usual.
                if self._acked.get(partition) == offset:
                    del self._acked[partition]
                log.info("partition %d went to another consumer of the group", partition)
                continue
            if response.status_code == 412:
                self.defer_commit()
                return
            self._node.raise_for(response, "commit")
            self._committed[partition] = offset
        self.commit_after_poll = False
