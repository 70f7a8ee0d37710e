"""httpx authentication for HERE: OAuth 1.0a for the token endpoint, bearer tokens elsewhere.

As `httpx.Auth` flows, the credentials go straight into the request's headers, which httpx
redacts in every `repr`; no plain dict of headers holding a token or signature is ever built.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Protocol
from urllib.parse import parse_qsl

import httpx

from evtui.here import oauth
from evtui.here.credentials import Credentials

__all__ = ["BearerAuth", "BearerToken", "OAuth1Auth"]


class BearerToken(Protocol):
    """What a bearer header needs of a token (`tokens.Token` is one).

    A protocol rather than `Token` itself: the token provider signs its own requests with
    `OAuth1Auth` from here, so this module must not need the provider's module back.
    """

    @property
    def value(self) -> str: ...


class BearerAuth(httpx.Auth):
    """`Authorization: Bearer <token>`."""

    def __init__(self, token: BearerToken) -> None:
        self.token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self.token.value}"
        yield request

    def __repr__(self) -> str:
        return "BearerAuth(<redacted>)"


class OAuth1Auth(httpx.Auth):
    """A request signed with the access key (OAuth 1.0a, HMAC-SHA256), form body included."""

    requires_request_body = True

    def __init__(self, credentials: Credentials) -> None:
        self._credentials = credentials

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        body: dict[str, str] = {}
        if request.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            body = dict(parse_qsl(request.content.decode("ascii"), keep_blank_values=True))
        request.headers["Authorization"] = oauth.authorization_header(
            request.method,
            str(request.url),
            consumer_key=self._credentials.access_key_id,
            consumer_secret=self._credentials.access_key_secret,
            body_params=body,
        )
        yield request

    def __repr__(self) -> str:
        return f"OAuth1Auth({self._credentials.access_key_id!r}, <redacted>)"
