"""Bring the cache up to date for some ids: ask the directory only what is stale."""

from __future__ import annotations

from collections.abc import Iterable

from evtui.directory.cache import DirectoryCache
from evtui.here.directory import DirectoryAnswer, DirectoryClient

__all__ = ["refresh"]


async def refresh(
    cache: DirectoryCache, client: DirectoryClient, ids: Iterable[str], now: float
) -> DirectoryAnswer:
    """Ask `client` about the ids the cache has no fresh answer for, and keep what it says
    (records, and ids it does not know). `answer.error` says why it stopped, if it did."""
    stale = cache.stale(ids, now)
    if not stale:
        return DirectoryAnswer()
    answer = await client.fetch(stale)
    cache.put(answer.records.values())
    cache.put_unknown(answer.missing, now)
    return answer
