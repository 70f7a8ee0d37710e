"""`HereClient`: one HTTP connection pool, one token, the base URLs API Lookup gave.

It is the `platform.Platform` the API clients are built on; `stream()` hands out a
`StreamConsumer` over it, which knows the client only as that protocol.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self
from urllib.parse import quote

import httpx

from evtui import __version__
from evtui.defaults import DEFAULT_LOOKUP_URL
from evtui.here._auth import BearerAuth
from evtui.here._http import bounded, error_details, retry_after
from evtui.here.credentials import Credentials, require_secure_url
from evtui.here.errors import (
    AccessDenied,
    AuthenticationError,
    HereError,
    LookupFailed,
    TransientError,
)
from evtui.here.stream import StreamConsumer, StreamOptions
from evtui.here.tokens import Token, TokenProvider

__all__ = ["HereClient"]

# A poll may legitimately wait server-side before answering, so reads get more than that.
_TIMEOUT = httpx.Timeout(connect=10.0, read=75.0, write=30.0, pool=10.0)
DEADLINE = 90.0
"""Seconds any one request may take in all, however its answer trickles in."""


class HereClient:
    """Talks to the HERE platform for one set of credentials. Use it as an async context manager.

    `transport` lets tests and the emulator plug in any httpx transport.
    """

    def __init__(
        self,
        credentials: Credentials,
        *,
        lookup_url: str = DEFAULT_LOOKUP_URL,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: httpx.Timeout = _TIMEOUT,
        deadline: float = DEADLINE,
    ) -> None:
        try:
            self.lookup_url = require_secure_url(lookup_url.rstrip("/"), "the lookup URL")
        except ValueError as exc:
            raise HereError(str(exc)) from None
        self.credentials = credentials
        self._http = httpx.AsyncClient(
            transport=transport,
            timeout=timeout,
            headers={"User-Agent": f"evtui/{__version__}"},
        )
        self._deadline = deadline
        self._tokens = TokenProvider(credentials, self._http, deadline=deadline)
        self._bases: dict[tuple[str, str, str], str] = {}

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def token(self) -> Token:
        """A valid access token (cached; refreshed ahead of expiry)."""
        return await self._tokens.get()

    async def lookup(self, hrn: str, api: str, version: str) -> str:
        """The base URL of `api`/`version` for catalog `hrn`, cached for the process."""
        key = (hrn, api, version)
        if key in self._bases:
            return self._bases[key]
        url = f"{self.lookup_url}/resources/{quote(hrn, safe=':')}/apis/{api}/{version}"
        response = await self.request("GET", url, what="API Lookup")
        if response.status_code == 403:
            raise AccessDenied(f"no access to {hrn}: {error_details(response)[1]}")
        if response.status_code == 404:
            raise LookupFailed(f"API Lookup knows no {api} {version} API for catalog {hrn}")
        if response.status_code != 200:
            raise LookupFailed(
                f"API Lookup answered HTTP {response.status_code}: {error_details(response)[1]}"
            )
        try:
            entries: Any = response.json()
            base = next(
                e["baseURL"] for e in entries if e.get("api") == api and e.get("version") == version
            )
        except (ValueError, StopIteration, TypeError, KeyError, AttributeError):
            raise LookupFailed(
                f"API Lookup gave no base URL for {api} {version} of {hrn}"
            ) from None
        try:
            base = require_secure_url(str(base).rstrip("/"), f"the {api} base URL")
        except ValueError as exc:
            raise LookupFailed(str(exc)) from None
        self._bases[key] = base
        return base

    def forget(self, hrn: str, api: str, version: str) -> None:
        """Drop a cached base URL (after a 404 on it) so the next call looks it up again."""
        self._bases.pop((hrn, api, version), None)

    def stream(self, options: StreamOptions) -> StreamConsumer:
        """A consumer of one stream layer; use it as an async context manager and iterator."""
        return StreamConsumer(self, options)

    async def fetch_blob(self, hrn: str, layer: str, handle: str) -> bytes | None:
        """The payload bytes behind a `dataHandle`, or None when Blob says there are none."""
        base = await self.lookup(hrn, "blob", "v1")
        url = f"{base}/layers/{quote(layer, safe='')}/data/{quote(handle, safe='')}"
        response = await self.request("GET", url, what="Blob")
        if response.status_code == 404:
            return None
        if response.status_code == 403:
            raise AccessDenied(f"no access to blobs of {hrn}: {error_details(response)[1]}")
        if response.status_code != 200:
            raise HereError(
                f"Blob answered HTTP {response.status_code}: {error_details(response)[1]}"
            )
        return response.content

    async def request(self, method: str, url: str, *, what: str, **kwargs: Any) -> httpx.Response:
        """`send` for callers that do not care which token went out."""
        response, _ = await self.send(method, url, what=what, **kwargs)
        return response

    async def send(
        self,
        method: str,
        url: str,
        *,
        what: str,
        token: Token | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> tuple[httpx.Response, Token]:
        """Send with a bearer token (`token`, else the current one); on 401 renew it once.

        Returns the answer and the token it was sent with. Network errors, 5xx and 429 raise
        `TransientError`; a second 401 raises `AuthenticationError`; other statuses are the
        caller's to interpret. `what` names the service in messages.
        """
        for attempt in (1, 2):
            used = token if token is not None and attempt == 1 else await self._tokens.get()
            response = await bounded(
                self._http.request(method, url, headers=headers, auth=BearerAuth(used), **kwargs),
                what,
                self._deadline,
            )
            if response.status_code == 401 and attempt == 1:
                self._tokens.invalidate(used)
                continue
            code, detail = error_details(response) if response.status_code >= 400 else (None, "")
            if response.status_code == 401:
                raise AuthenticationError(
                    f"{what} refused a fresh access token: {detail}",
                    status=401,
                    code=code,
                    detail=detail,
                )
            if response.status_code >= 500 or response.status_code == 429:
                raise TransientError(
                    f"{what} answered HTTP {response.status_code}: {detail}",
                    retry_after=retry_after(response),
                )
            return response, used
        raise AssertionError("unreachable")  # pragma: no cover
