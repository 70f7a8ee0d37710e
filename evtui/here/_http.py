"""Small helpers for reading HERE's HTTP answers."""

from __future__ import annotations

import email.utils
import time
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
    """HERE's error code and its most useful text, from either error body shape."""
    body = json_body(response)
    code = body.get("errorCode") or body.get("code")
    parts = [str(body[k]) for k in ("title", "message", "cause", "action") if body.get(k)]
    unique = list(dict.fromkeys(parts)) or [
        response.reason_phrase or f"HTTP {response.status_code}"
    ]
    return (str(code) if code is not None else None), " ".join(unique)[:500]


def transport_error(exc: httpx.TransportError, what: str) -> TransientError:
    """A network failure as a retryable error that names the host, never the request headers."""
    host = exc.request.url.host if _has_request(exc) else "?"
    kind = type(exc).__name__
    detail = str(exc).strip() or kind
    return TransientError(f"cannot reach {what} ({host}): {kind}: {detail[:200]}")


def _has_request(exc: httpx.TransportError) -> bool:
    try:
        exc.request  # noqa: B018 - httpx raises RuntimeError when no request is attached
    except RuntimeError:
        return False
    return True
