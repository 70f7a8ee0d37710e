"""Background lookups: the places model filled from the directory cache and HERE's directory.

One app worker. It loads the cache's display data at start, then, once every `INTERVAL`,
takes the next batch of locations worth knowing (the one on screen, the watchlist, the log's
newest rows, then every location the stream has shown), reads their whole records from the
cache and asks the directory (live sources only) for what the cache has no fresh answer for.
Every cache read and write runs in one thread of its own (SQLite connections stay in the
thread that opened them), so the stream, the UI, a recording and a replay never wait for it.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from evtui.directory import DirectoryCache
from evtui.here import DirectoryAnswer, DirectoryClient, DirectoryFailed, DirectoryUnavailable
from evtui.model.directory import LocationInfo
from evtui.model.places import Places
from evtui.safetext import safe_text
from evtui.sources import DirectorySource
from evtui.ui.host import Host
from evtui.ui.painter import Painter
from evtui.ui.screens.location import LocationScreen
from evtui.ui.widgets.event_log import EventLog
from evtui.ui.widgets.status_bar import StatusBar

__all__ = ["INTERVAL", "NETWORK_BATCH", "DirectoryLookups"]

log = logging.getLogger("evtui.ui")

INTERVAL = 1.0
"""Seconds between two batches: a bounded rate, whatever the stream shows."""
NETWORK_BATCH = 100
"""Ids a batch asks the directory about at most: one v3 request."""
CACHE_BATCH = 500
"""Ids a batch reads from the cache when nobody is to be asked (a replay, a file)."""
RECENT_ROWS = 60
"""The log's newest rows taken as on screen."""
RETRY_SECONDS = 30.0
"""After a failed lookup (not a refusal), the directory is asked again this much later."""

T = TypeVar("T")


class DirectoryLookups:
    """Fills `places` in the background; says once when the directory is not available."""

    def __init__(
        self,
        app: Host,
        places: Places,
        painter: Painter,
        cache_path: Path | None,
        source: object | None,
    ) -> None:
        self._app = app
        self._places = places
        self._painter = painter
        self._cache_path = cache_path
        self._source = source if isinstance(source, DirectorySource) else None
        """Who can lend a directory client: live HERE sources and the demo; None: cache only."""
        self._client: DirectoryClient | None = None
        self._done: set[str] = set()
        """Ids this session has nothing more to learn of."""
        self._scan = 0
        """How far through the stream's locations the lookups have gone."""
        self._retry_at = 0.0
        self.unavailable: str | None = None
        """Why the directory refused us (401/403), once it did: it is not asked again."""
        self.asked = 0
        """Requests sent to the directory this session."""
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="evtui-directory")

    def start(self) -> None:
        if self._cache_path is None:
            return
        self._app.run_worker(self.run, name="directory", group="directory", exit_on_error=False)

    async def run(self) -> None:
        """Load the cache, then look up a batch every `INTERVAL` until the app ends."""
        assert self._cache_path is not None
        path = self._cache_path
        refresh = self._app.settings.directory_refresh_days
        call = self._call
        cache: DirectoryCache | None = None
        try:
            cache = await call(lambda: DirectoryCache.open(path, refresh_days=refresh))
            for warning in cache.warnings:
                self._app.notify(safe_text(warning, 300), severity="warning", markup=False)
            self._places.load(await call(cache.summaries))
            self._names_changed()
            while True:
                await asyncio.sleep(INTERVAL)
                if await self._step(cache):
                    self._names_changed()
        finally:
            if cache is not None:
                self._thread.submit(cache.close)
            self._thread.shutdown(wait=False)

    async def _call(self, fn: Callable[[], T]) -> T:
        """`fn()` in the cache's own thread."""
        return await asyncio.get_running_loop().run_in_executor(self._thread, fn)

    async def _step(self, cache: DirectoryCache) -> bool:
        """One batch; whether the places changed."""
        client = self._directory()
        batch = self._next_batch(NETWORK_BATCH if client is not None else CACHE_BATCH)
        if not batch:
            return False
        now = time.time()  # records age in wall time, whatever the replay's clock says

        def read() -> tuple[list[str], dict[str, LocationInfo]]:
            return cache.stale(batch, now), cache.get(batch)

        stale, kept = await self._call(read)
        self._places.update(kept.values())
        asking = stale if client is not None else []
        self._done.update(i for i in batch if i not in asking)
        if client is None or not asking:
            return bool(kept)
        try:
            answer = await client.fetch(asking)
        except Exception as exc:  # e.g. the source closed its connection under the lookup
            answer = DirectoryAnswer(error=DirectoryFailed(f"{type(exc).__name__}: {exc}"))
        self.asked += answer.requests

        def write() -> None:
            cache.put(answer.records.values())
            cache.put_unknown(answer.missing, now)

        await self._call(write)
        self._places.update(info for _, info in answer.records.values())
        self._places.forget(answer.missing)
        learnt = {*answer.records, *answer.missing, *answer.unanswered}
        self._done.update(learnt)
        if answer.error is not None:
            self._failed(answer)
        else:
            self._done.update(asking)
        return bool(kept or learnt)

    def _directory(self) -> DirectoryClient | None:
        """The directory to ask now; None: the cache only (not live, refused, or resting)."""
        if self._source is None or self.unavailable is not None:
            return None
        if time.monotonic() < self._retry_at:
            return None
        if self._client is None:
            self._client = self._source.directory()  # None until the stream has connected
        return self._client

    def _failed(self, answer: DirectoryAnswer) -> None:
        error = answer.error
        if isinstance(error, DirectoryUnavailable):
            self.unavailable = f"directory not available ({safe_text(str(error), 200)})"
            app = self._app
            app.notify(self.unavailable, title="directory", severity="warning", markup=False)
            if (monitor := app.get_screen_stack_base()) is not None:
                monitor.query_one(StatusBar).directory = self.unavailable
            return
        # Busy or down: the batch is asked again later; the stream goes on meanwhile.
        log.warning("directory lookup failed: %s", error)
        self._retry_at = time.monotonic() + RETRY_SECONDS
        self._client = None  # the source may have reconnected since

    def _next_batch(self, limit: int) -> list[str]:
        """Up to `limit` ids not done yet: what is on screen first, then the stream's."""
        done = self._done
        batch: dict[str, None] = {}
        for location_id in self._wanted():
            if location_id not in done and location_id not in batch:
                batch[location_id] = None
                if len(batch) >= limit:
                    break
        return list(batch)

    def _wanted(self) -> Iterator[str]:
        app = self._app
        if isinstance(app.screen, LocationScreen):
            yield app.screen.location_id
        yield from app.watchlist
        store = app.store
        events = store.events
        yield from (c.location_id for c in itertools.islice(reversed(events), RECENT_ROWS))
        # The stream's locations in the order it showed them, from where the last batch
        # stopped: each id is looked at once, however many the stream has.
        locations = store.locations
        if self._scan > len(locations):
            self._scan = 0  # a replay jumped back: its store was rebuilt
        for location_id in itertools.islice(locations, self._scan, None):
            self._scan += 1
            yield location_id

    def _names_changed(self) -> None:
        """Names, records or both changed: every place that shows a location, repainted."""
        app = self._app
        self._painter.watchlist_changed()
        if (monitor := app.get_screen_stack_base()) is not None:
            monitor.query_one(EventLog).relabel()
        if isinstance(app.screen, LocationScreen):
            app.screen.refresh_view()
