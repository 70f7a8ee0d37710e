"""OAuth 1.0a request signing with HMAC-SHA256 (RFC 5849), as HERE's token endpoint wants it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Iterable, Mapping
from urllib.parse import parse_qsl, quote, unquote, urlsplit, urlunsplit

__all__ = [
    "authorization_header",
    "parse_authorization_header",
    "percent_encode",
    "signature",
    "signature_base_string",
]

SIGNATURE_METHOD = "HMAC-SHA256"


def percent_encode(value: str) -> str:
    """RFC 3986 percent-encoding of everything but unreserved characters (RFC 5849 §3.6)."""
    return quote(value, safe="-._~")


def base_string_uri(url: str) -> str:
    """The URL without query or fragment, scheme and host lower-cased, default port dropped."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    if port is not None and not (
        (scheme == "http" and port == 80) or (scheme == "https" and port == 443)
    ):
        host = f"{host}:{port}"
    return urlunsplit((scheme, host, parts.path or "/", "", ""))


def signature_base_string(method: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    """`METHOD&pct(uri)&pct(normalized params)`; `params` excludes `oauth_signature`."""
    encoded = sorted((percent_encode(k), percent_encode(v)) for k, v in params)
    normalized = "&".join(f"{k}={v}" for k, v in encoded)
    return "&".join(
        (method.upper(), percent_encode(base_string_uri(url)), percent_encode(normalized))
    )


def signature(base_string: str, consumer_secret: str, token_secret: str = "") -> str:
    """Base64 of HMAC-SHA256 over the base string, keyed `pct(secret)&pct(token secret)`."""
    key = f"{percent_encode(consumer_secret)}&{percent_encode(token_secret)}"
    digest = hmac.new(key.encode(), base_string.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def authorization_header(
    method: str,
    url: str,
    *,
    consumer_key: str,
    consumer_secret: str,
    body_params: Mapping[str, str] | None = None,
    nonce: str | None = None,
    timestamp: int | None = None,
) -> str:
    """The `Authorization: OAuth ...` value for a request signed with the access key."""
    oauth = {
        "oauth_consumer_key": consumer_key,
        "oauth_nonce": nonce if nonce is not None else secrets.token_urlsafe(24),
        "oauth_signature_method": SIGNATURE_METHOD,
        "oauth_timestamp": str(timestamp if timestamp is not None else int(time.time())),
        "oauth_version": "1.0",
    }
    params = list(oauth.items()) + list((body_params or {}).items())
    params += _query_params(url)
    oauth["oauth_signature"] = signature(
        signature_base_string(method, url, params), consumer_secret
    )
    return "OAuth " + ", ".join(f'{k}="{percent_encode(v)}"' for k, v in oauth.items())


_HEADER_PARAM = re.compile(r'\s*([A-Za-z0-9_.~%-]+)\s*=\s*"([^"]*)"\s*(?:,|$)')


def parse_authorization_header(value: str) -> dict[str, str]:
    """The decoded parameters of an `OAuth ...` header; raises ValueError when it is not one."""
    scheme, _, rest = value.strip().partition(" ")
    if scheme.lower() != "oauth":
        raise ValueError("not an OAuth authorization header")
    params: dict[str, str] = {}
    pos = 0
    rest = rest.strip()
    while pos < len(rest):
        match = _HEADER_PARAM.match(rest, pos)
        if match is None:
            raise ValueError("malformed OAuth authorization header")
        params[_unquote(match.group(1))] = _unquote(match.group(2))
        pos = match.end()
    return params


def _unquote(value: str) -> str:
    return unquote(value)


def _query_params(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query, keep_blank_values=True)
