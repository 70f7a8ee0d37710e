"""Parallel consumption: the consumer groups whose subscriptions split a layer's partitions.

With `mode=parallel`, the subscriptions of one consumer group share the layer's Kafka
partitions as Kafka's range assignor shares them: the members in the order they joined, each
handed a run of consecutive partitions, the first ones one more when the count does not divide
evenly; members beyond the partition count get none (idle). Every join or leave reassigns the
partitions (a rebalance). A member that has not polled for the session timeout leaves the
group, and joins it again with its next poll.

This module only decides who owns what. Where a new owner resumes a partition (the group's
committed offset) is `evtui.emulator.service`'s business: each change answers the partitions
each member gained.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = ["Gains", "ParallelGroups", "range_assignment"]

Gains = dict[str, frozenset[int]]
"""Per member (subscription id), the partitions a rebalance handed it that it did not own."""


def range_assignment(members: Sequence[str], partitions: int) -> dict[str, frozenset[int]]:
    """Kafka's range assignment of `partitions` partitions to `members`, in their order."""
    share, extra = divmod(partitions, len(members)) if members else (0, 0)
    out: dict[str, frozenset[int]] = {}
    start = 0
    for i, member in enumerate(members):
        size = share + (1 if i < extra else 0)
        out[member] = frozenset(range(start, start + size))
        start += size
    return out


@dataclass
class _Member:
    group: str
    joined: int
    seen: float
    owned: frozenset[int] = field(default_factory=frozenset)


class ParallelGroups:
    """The members of every parallel consumer group, and the partitions each owns."""

    def __init__(self, partitions: int) -> None:
        self.partitions = partitions
        self._members: dict[str, _Member] = {}
        self._order = itertools.count()

    def is_member(self, member: str) -> bool:
        return member in self._members

    def owned(self, member: str) -> frozenset[int]:
        """The partitions `member` owns; none once it left the group or timed out."""
        found = self._members.get(member)
        return found.owned if found is not None else frozenset()

    def join(self, group: str, member: str, now: float) -> Gains:
        """Add `member` to `group` (it polled or subscribed at `now`) and rebalance."""
        self._members[member] = _Member(group, next(self._order), now)
        return self._rebalance(group)

    def seen(self, member: str, now: float) -> None:
        """`member` polled at `now`: its session goes on."""
        if (found := self._members.get(member)) is not None:
            found.seen = now

    def leave(self, member: str) -> Gains:
        """Take `member` out of its group (unsubscribed) and rebalance what it owned."""
        gone = self._members.pop(member, None)
        return self._rebalance(gone.group) if gone is not None else {}

    def expire(self, now: float, session_timeout: float) -> Gains:
        """Take out every member silent for longer than `session_timeout`, and rebalance."""
        stale = [m for m, v in self._members.items() if now - v.seen > session_timeout]
        gains: Gains = {}
        for member in stale:
            for other, gained in self.leave(member).items():
                gains[other] = gains.get(other, frozenset()) | gained
        # A member that gained in one rebalance and left in a later one gained nothing.
        return {m: p for m, p in gains.items() if m in self._members}

    def clear(self) -> None:
        """Forget every member, as a restarted service would."""
        self._members.clear()

    def _rebalance(self, group: str) -> Gains:
        members = sorted(
            (m for m, v in self._members.items() if v.group == group),
            key=lambda m: self._members[m].joined,
        )
        gains: Gains = {}
        for member, owned in range_assignment(members, self.partitions).items():
            found = self._members[member]
            if gained := owned - found.owned:
                gains[member] = gained
            found.owned = owned
        return gains
