"""Access tokens from HERE's OAuth 2.0 token endpoint, requested with an OAuth 1.0a signature."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import httpx

from evtui.here._auth import OAuth1Auth
from evtui.here._http import bounded, error_details, retry_after
from evtui.here.credentials import Credentials
from evtui.here.errors import AuthenticationError, TransientError

__all__ = ["Token", "TokenProvider"]

_GRANT = {"grant_type": "client_credentials"}

_HINTS = {
    "401300": "the signature was refused: is here.access.key.secret right?",
    "401204": "the request time was refused: is this machine's clock right?",
    "401207": "the nonce was refused as reused: try again",
    "401002": "the access key is unknown or disabled: check here.access.key.id",
}


@dataclass(frozen=True)
class Token:
    """A bearer token. Its value never appears in `repr` or in any message."""

    value: str = field(repr=False)
    expires_in: float
    obtained_at: float

    @property
    def expires_at(self) -> float:
        return self.obtained_at + self.expires_in

    def fresh(self, now: float) -> bool:
        """Still usable for a while: refresh ahead of expiry, not on the first 401."""
        # A quarter of short lifetimes: a long poll must not outlive the token it went with.
        margin = min(60.0, 0.25 * self.expires_in)
        return now < self.expires_at - margin


class TokenProvider:
    """Caches the token, refreshes it before it expires, and on demand after a 401."""

    def __init__(
        self, credentials: Credentials, http: httpx.AsyncClient, *, deadline: float
    ) -> None:
        self._credentials = credentials
        self._http = http
        self._auth = OAuth1Auth(credentials)
        self._deadline = deadline
        self._token: Token | None = None
        self._lock = asyncio.Lock()

    async def get(self) -> Token:
        """A token that will not expire in the next moments; one request serves parallel callers."""
        token = self._token
        if token is not None and token.fresh(time.time()):
            return token
        async with self._lock:
            token = self._token
            if token is None or not token.fresh(time.time()):
                token = self._token = await self._request()
            return token

    def invalidate(self, token: Token) -> None:
        """Drop `token` after the service refused it, unless another caller already replaced it."""
        if self._token is token:
            self._token = None

    async def _request(self) -> Token:
        url = self._credentials.token_endpoint_url
        response = await bounded(
            self._http.post(url, data=_GRANT, auth=self._auth), "the token endpoint", self._deadline
        )
        if response.status_code >= 500 or response.status_code == 429:
            raise TransientError(
                f"token endpoint answered HTTP {response.status_code}",
                retry_after=retry_after(response),
            )
        if response.status_code != 200:
            code, message = error_details(response)
            hint = _HINTS.get(code or "", "check the access key in the credentials file")
            raise AuthenticationError(
                f"token request refused (HTTP {response.status_code}"
                f"{', ' + code if code else ''}): {message.rstrip('.')}; {hint}",
                status=response.status_code,
                code=code,
            )
        try:
            body = response.json()
            value = body.get("access_token") or body["accessToken"]
            expires_in = float(body.get("expires_in") or body.get("expiresIn") or 3600)
        except (ValueError, KeyError, TypeError, AttributeError):
            raise AuthenticationError(
                "the token endpoint's answer has no access token", status=200
            ) from None
        return Token(str(value), expires_in, time.time())
