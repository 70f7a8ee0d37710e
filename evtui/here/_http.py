"""Small helpers for reading HERE's HTTP answers."""

from __future__ import annotations

import asyncio
import email.utils
import time
from collections.abc import Awaitable
from typing import Any

import httpx

from evtui.here.errors import TransientError


def retry_after(response: httpx.Response) -> float | None:
    """The `Retry-After` header in seconds (it may be a delay or an HTTP date)."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def json_body(response: httpx.Response) -> dict[str, Any]:
    """The JSON object of an answer, or an empty dict when there is none."""
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def error_details(response: httpx.Response) -> tuple[str | None, str]:
    """HERE's error code and its most useful text, from any of its error body shapes.

    Platform APIs answer `{title, status, code, cause, action, ...}` or `{errorCode, message}`;
    the v3 REST services' 401/403 answer `{error, error_description, status}`.
    """
    body = json_body(response)
    code = body.get("errorCode") or body.get("code") or body.get("error")
    keys = ("title", "message", "error_description", "cause", "action")
    parts = [str(body[k]) for k in keys if body.get(k)]
    if not parts and body.get("error"):
        parts = [str(body["error"])]
    unique = list(dict.fromkeys(parts)) or [
        response.reason_phrase or f"HTTP {response.status_code}"
    ]
    return (str(code) if code is not None else None), " ".join(unique)[:500]


async def bounded(request: Awaitable[httpx.Response], what: str, deadline: float) -> httpx.Response:
    """Await an httpx request, turning every way it can fail into a `TransientError`.

    httpx's timeouts bound each read, not the whole answer: a server that trickles a byte
    at a time would hold a request forever. `deadline` bounds the whole exchange.
    """
    try:
        async with asyncio.timeout(deadline):
            return await request
    except TimeoutError:
        raise TransientError(
            f"{what} did not answer within {deadline:.0f} s", answer_lost=True
        ) from None
    except httpx.HTTPError as exc:
        raise transport_error(exc, what) from None


def transport_error(exc: httpx.HTTPError, what: str) -> TransientError:
    """A network failure as a retryable error that names the host, never the request headers."""
    host = exc.request.url.host if _has_request(exc) else "?"
    kind = type(exc).__name__
    detail = str(exc).strip()
    cause = f"{kind}: {detail[:200]}" if detail and detail != kind else kind
    # Failing to connect proves the request never arrived; anything later does not.
    never_sent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
    if never_sent:
        message = f"cannot reach {what} ({host}): {cause}"
    elif isinstance(exc, httpx.TimeoutException):
        message = f"{what} ({host}) stopped answering: {cause}"
    elif isinstance(exc, httpx.TransportError):
        message = f"lost the connection to {what} ({host}): {cause}"
    else:
        message = f"unreadable answer from {what} ({host}): {cause}"
    return TransientError(message, answer_lost=not never_sent)


def _has_request(exc: httpx.HTTPError) -> bool:
    try:
        exc.request  # noqa: B018 - httpx raises RuntimeError when no request is attached
    except RuntimeError:
        return False
    return True
