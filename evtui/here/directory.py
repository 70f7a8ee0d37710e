"""`DirectoryClient`: what HERE's EV Charge Points API v3 says of locations, in batches.

It rides on the same connection as the stream (`Platform`: one httpx pool, one token), asks
`GET {base}/locations?ids=…` with at most 100 content ids a request and at most two requests
in flight, and backs off on 429, 5xx and network errors (after exactly the `Retry-After`
asked for, when one is). Access to the directory is licensed apart from the stream: a 401 or
403 is `DirectoryUnavailable`, never retried. One bad record is refused on its own; the rest
of its batch is kept.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import httpx

from evtui.defaults import DEFAULT_DIRECTORY_URL
from evtui.here._http import error_details
from evtui.here.credentials import require_secure_url
from evtui.here.errors import (
    AuthenticationError,
    DirectoryFailed,
    DirectoryUnavailable,
    HereError,
    TransientError,
)
from evtui.here.platform import Platform
from evtui.model.directory import (
    BadRecord,
    LocationInfo,
    content_id,
    full_location_id,
    parse_location,
)

__all__ = ["BATCH_SIZE", "FIELDS", "DirectoryAnswer", "DirectoryClient"]

BATCH_SIZE = 100
"""The most ids HERE takes in one `/locations?ids=` request."""
FIELDS = "address,evses,locationInfo,connectorGroups"
"""The field groups asked for on top of the minimal set; never the restricted ones."""
IN_FLIGHT = 2
WHAT = "the directory"


@dataclass
class DirectoryAnswer:
    """What one `fetch` learnt. Ids are full `here:evcp:charginglocation:…` ids."""

    records: dict[str, tuple[dict[str, Any], LocationInfo]] = field(default_factory=dict)
    """Each location found: its v3 JSON object as received, and what evtui reads from it."""
    missing: set[str] = field(default_factory=set)
    """Ids the service said it does not know (`missingItems`)."""
    refused: list[tuple[str, str]] = field(default_factory=list)
    """(id, or `items.N` when it has none, and why) of each record that could not be used."""
    unanswered: set[str] = field(default_factory=set)
    """Ids asked for that the answer neither gave nor listed as missing."""
    error: HereError | None = None
    """Why the directory stopped answering (the batches before it are kept above)."""
    requests: int = 0

    def raise_for_error(self) -> None:
        if self.error is not None:
            raise self.error


class DirectoryClient:
    """Asks the directory at `base_url` about locations, over `platform`'s connection."""

    def __init__(
        self,
        platform: Platform,
        base_url: str = DEFAULT_DIRECTORY_URL,
        *,
        in_flight: int = IN_FLIGHT,
        attempts: int = 5,
        backoff: tuple[float, float] = (0.5, 30.0),
        max_wait: float = 60.0,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        try:
            self.base_url = require_secure_url(base_url.rstrip("/"), "the directory URL")
        except ValueError as exc:
            raise DirectoryFailed(str(exc)) from None
        self._platform = platform
        self._slots = asyncio.Semaphore(in_flight)
        self._attempts = attempts
        self._backoff = backoff
        self._max_wait = max_wait
        self._clock = clock
        self._sleep = sleep

    async def fetch(self, ids: Iterable[str]) -> DirectoryAnswer:
        """Look up `ids` (full or content ids; repeats are asked once).

        Never raises a `HereError`: the first one stops the remaining batches and is kept in
        `answer.error`, with everything learnt before it.
        """
        wanted = list(dict.fromkeys(full_location_id(i) for i in ids))
        answer = DirectoryAnswer()
        batches = [wanted[i : i + BATCH_SIZE] for i in range(0, len(wanted), BATCH_SIZE)]
        try:
            async with asyncio.TaskGroup() as group:
                for batch in batches:
                    group.create_task(self._batch(batch, answer))
        except* HereError as failed:
            answer.error = _first(failed)
        return answer

    async def _batch(self, ids: list[str], answer: DirectoryAnswer) -> None:
        by_content = {content_id(i): i for i in ids}
        async with self._slots:
            if answer.error is not None:
                return
            response = await self._get(list(by_content), answer)
        _read(response, by_content, self._clock(), answer)

    async def _get(self, contents: list[str], answer: DirectoryAnswer) -> httpx.Response:
        params = {"ids": ",".join(contents), "fields": FIELDS}
        low, high = self._backoff
        for attempt in range(1, self._attempts + 1):
            answer.requests += 1
            try:
                response, _ = await self._platform.send(
                    "GET", f"{self.base_url}/locations", what=WHAT, params=params
                )
            except AuthenticationError as exc:
                if exc.detail is None:
                    raise  # the token endpoint refused the credentials: not the directory's
                raise DirectoryUnavailable(f"HTTP 401: {exc.detail}", status=401) from None
            except TransientError as exc:
                if attempt == self._attempts:
                    raise DirectoryFailed(f"{exc} (gave up after {attempt} tries)") from None
                delay = exc.retry_after
                if delay is None:  # full jitter: retries of many clients spread out
                    delay = random.uniform(0, min(high, low * 2 ** (attempt - 1)))
                elif delay > self._max_wait:
                    raise DirectoryFailed(f"{exc}; it asks to wait {delay:.0f} s") from None
                await self._sleep(delay)
                continue
            status = response.status_code
            if status in (401, 403):
                raise DirectoryUnavailable(
                    f"HTTP {status}: {error_details(response)[1]}", status=status
                )
            if status != 200:
                raise DirectoryFailed(
                    f"the directory answered HTTP {status}: {error_details(response)[1]}"
                )
            return response
        raise AssertionError("unreachable")  # pragma: no cover


def _read(
    response: httpx.Response, by_content: dict[str, str], now: float, answer: DirectoryAnswer
) -> None:
    """Fold one `/locations` answer into `answer`, record by record."""
    try:
        body = response.json()
    except ValueError:
        kind = response.headers.get("Content-Type", "no content type")
        raise DirectoryFailed(f"the directory's answer is not JSON ({kind[:80]})") from None
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        raise DirectoryFailed("the directory's answer has no `items` list")
    seen: set[str] = set()
    for n, item in enumerate(body["items"]):
        raw_id = item.get("id") if isinstance(item, dict) else None
        full = by_content.get(content_id(raw_id)) if isinstance(raw_id, str) else None
        if full is None:
            why = "no id" if raw_id is None else "an id that was not asked for"
            answer.refused.append((f"items.{n}", f"a record with {why}"))
            continue
        seen.add(full)
        try:
            info = parse_location(item, now)
        except BadRecord as exc:
            answer.refused.append((full, str(exc)))
            continue
        answer.records[full] = (item, replace(info, id=full))
    missing = body.get("missingItems", body.get("missing")) or []
    for value in missing if isinstance(missing, list) else []:
        if isinstance(value, str) and (full := by_content.get(content_id(value))) is not None:
            answer.missing.add(full)
            seen.add(full)
    answer.unanswered.update(set(by_content.values()) - seen)



def _first(group: ExceptionGroup[HereError]) -> HereError:
    """The first error of a task group's (the others were cancelled because of it)."""
    first = group.exceptions[0]
    return first if isinstance(first, HereError) else _first(first)
