"""What a client of one HERE API needs of the connection to the platform.

`HereClient` is that connection: one httpx pool, one token provider, the base URLs API Lookup
gave. The API clients built on it (the stream consumer, the directory client) are typed
against this protocol rather than the class, so the connection can hand them out without the
modules importing each other, and each API's client sees only the few calls it makes.
"""

from __future__ import annotations

from typing import Any, Protocol

import httpx

from evtui.here.credentials import Credentials
from evtui.here.tokens import Token

__all__ = ["Platform"]


class Platform(Protocol):
    """Base URLs, authorised requests and Blob, as `HereClient` provides them."""

    @property
    def credentials(self) -> Credentials: ...

    async def token(self) -> Token:
        """A valid access token (cached; refreshed ahead of expiry)."""
        ...

    async def lookup(self, hrn: str, api: str, version: str) -> str:
        """The base URL of `api`/`version` for catalog `hrn`, cached for the process."""
        ...

    def forget(self, hrn: str, api: str, version: str) -> None:
        """Drop a cached base URL so the next `lookup` asks API Lookup again."""
        ...

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
        """The answer and the bearer token it went with; raises the client's typed errors."""
        ...

    async def fetch_blob(self, hrn: str, layer: str, handle: str) -> bytes | None:
        """The payload bytes behind a `dataHandle`, or None when Blob says there are none."""
        ...
