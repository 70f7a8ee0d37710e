"""Turn a stream message into a payload, or into a rejection that says why not."""

from __future__ import annotations

import binascii
import functools
import math
import zlib
from datetime import datetime, timedelta
from types import ModuleType

from pydantic import ValidationError

from evtui.model.inflate import ERRORS as _INFLATE_ERRORS
from evtui.model.inflate import backend as _inflate_backend
from evtui.model.message import Accepted, Decoded, Rejection, RejectReason, StreamMessage
from evtui.model.payload import LocationUpdate, schema_time, to_micros

__all__ = [
    "FUTURE_TOLERANCE",
    "MAX_DOCUMENT_BYTES",
    "decode",
    "decode_document",
    "describe_validation_error",
]

MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
"""Inflated payloads larger than this are rejected: a gzip bomb must not take the app down."""

FUTURE_TOLERANCE = timedelta(days=7)
"""How far after its message was published a `last_updated` may lie before it is refused.

An update from the future would freeze its EVSE: every real update after it looks stale.
Generous, because clocks are wrong in many ways; it only catches the absurd. Counted from the
end of the hour the message was sent in, so that one bound serves a whole poll.
"""

_FUTURE_SECONDS = FUTURE_TOLERANCE.total_seconds()
_TOO_LARGE_ERRORS = frozenset({"string_too_long", "too_long"})

_GZIP_WBITS = 16 + zlib.MAX_WBITS
_INFLATE = _inflate_backend()


class _Reject(Exception):
    def __init__(self, reason: RejectReason, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def decode(message: StreamMessage) -> Decoded:
    """Decode one message: base64 (inline data), gunzip, parse and validate the JSON.

    A message marked `inflated` holds the JSON document itself and skips the gunzip.
    """
    try:
        if message.data is None:
            if message.data_handle is not None:
                raise _Reject(RejectReason.BLOB_UNAVAILABLE, "payload behind a dataHandle")
            raise _Reject(RejectReason.NO_DATA, "metaData has neither data nor dataHandle")
        raw = _b64decode(message.data) if isinstance(message.data, str) else message.data
        document = raw if message.inflated else _gunzip(raw)
        return Accepted(message, _validate(document, _sent_at(message)), document)
    except _Reject as exc:
        return Rejection(message, exc.reason, exc.detail)


def decode_document(message: StreamMessage, document: bytes) -> Decoded:
    """Validate an already inflated JSON document (as `olp ... stream get` prints them)."""
    try:
        return Accepted(message, _validate(document, _sent_at(message)), document)
    except _Reject as exc:
        return Rejection(message, exc.reason, exc.detail)


def _sent_at(message: StreamMessage) -> float | None:
    """When the message was published (the platform's clock), else received; None: unknown."""
    if message.timestamp is not None and message.timestamp > 0:
        return message.timestamp / 1000
    return message.received_at if message.received_at > 0 else None


def _b64decode(text: str) -> bytes:
    try:
        # What base64.b64decode(validate=True) checks with a regex, checked in C.
        return binascii.a2b_base64(text, strict_mode=True)
    except (binascii.Error, ValueError) as exc:
        raise _Reject(RejectReason.BAD_BASE64, str(exc) or "not base64") from None


def _gunzip(raw: bytes, inflate: ModuleType = _INFLATE) -> bytes:
    """The document a gzip stream holds, inflated by `inflate` (a zlib-compatible module:
    evtui.model.inflate's fastest); `_Reject` when it is not gzip, broken or too large."""
    if raw[:2] != b"\x1f\x8b":
        raise _Reject(RejectReason.BAD_GZIP, "not gzip data (no gzip header)")
    out: list[bytes] = []
    size = 0
    rest = raw
    try:
        # A gzip stream may hold several members; inflate them all, within the size cap.
        while rest:
            inflater = inflate.decompressobj(_GZIP_WBITS)
            chunk = inflater.decompress(rest, MAX_DOCUMENT_BYTES - size + 1)
            size += len(chunk)
            if size > MAX_DOCUMENT_BYTES or inflater.unconsumed_tail:
                raise _Reject(RejectReason.TOO_LARGE, _too_large(None))
            if not inflater.eof:
                raise _Reject(RejectReason.BAD_GZIP, "gzip data is truncated")
            out.append(chunk)
            rest = inflater.unused_data
            if rest and rest[:2] != b"\x1f\x8b":
                break  # trailing garbage after a complete member: gzip(1) ignores it too
    except _INFLATE_ERRORS as exc:
        raise _Reject(RejectReason.BAD_GZIP, str(exc)) from None
    return out[0] if len(out) == 1 else b"".join(out)


def _too_large(size: int | None) -> str:
    """Says how large a document is (or that it inflates past the bound, when inflating stops
    there), in the words of the other size limits."""
    limit = f"{MAX_DOCUMENT_BYTES // (1024 * 1024)} MiB"
    return f"inflates to more than {limit}" if size is None else f"{size:,} bytes, over {limit}"


def _validate(document: bytes, sent_at: float | None) -> LocationUpdate:
    # Documents that arrive inflated (payload files, stdin) meet the same bound as gzip ones.
    if len(document) > MAX_DOCUMENT_BYTES:
        raise _Reject(RejectReason.TOO_LARGE, _too_large(len(document)))
    try:
        payload = LocationUpdate.from_json(document)
    except ValidationError as exc:
        types = {e["type"] for e in exc.errors(include_url=False, include_input=False)}
        if "json_invalid" in types:
            raise _Reject(RejectReason.BAD_JSON, _json_error(exc)) from None
        if types & _TOO_LARGE_ERRORS:
            reason = RejectReason.TOO_LARGE
        elif all(t.startswith(("datetime_", "timezone_")) for t in types):
            reason = RejectReason.BAD_TIMESTAMP
        else:
            reason = RejectReason.BAD_SCHEMA
        raise _Reject(reason, describe_validation_error(exc)) from None
    _check_times(payload, sent_at)
    return payload


def _check_times(payload: LocationUpdate, sent_at: float | None) -> None:
    """Refuse times no real update has: before 1970, or well after the message was sent.

    With `sent_at` unknown, only the lower bound applies. (This runs for every EVSE of every
    message: the bounds are times in the schema's own zone object, which compare cheaply.)
    """
    latest = None if sent_at is None else _latest_allowed(math.ceil(sent_at / 3600))
    for i, evse in enumerate(payload.evses):
        when = evse.last_updated  # aware (the schema sees to it)
        if when < _EARLIEST:
            raise _Reject(
                RejectReason.BAD_TIMESTAMP,
                f"evses.{i}.last_updated: {when.isoformat()} is before 1970",
            )
        if latest is not None and when > latest:
            days = (to_micros(when) / 1_000_000 - sent_at) / 86_400  # type: ignore[operator]
            raise _Reject(
                RejectReason.BAD_TIMESTAMP,
                f"evses.{i}.last_updated: {when.isoformat()} is "
                f"{_ahead(days)} after the message was sent",
            )


def _ahead(days: float) -> str:
    """How far ahead a time is, in the unit that reads: 26,322.0 days is 72 years."""
    if days >= 730:
        return f"{days / 365.25:,.0f} years"
    if days >= 1:
        return f"{days:,.1f} days"
    return f"{days * 24:,.1f} hours"


_EARLIEST = schema_time(0)


@functools.lru_cache(maxsize=16)
def _latest_allowed(sent_hour: int) -> datetime:
    return schema_time(sent_hour * 3600 + int(_FUTURE_SECONDS))


def _json_error(exc: ValidationError) -> str:
    for err in exc.errors(include_url=False):
        if err["type"] == "json_invalid":
            return str(err.get("ctx", {}).get("error", err["msg"]))
    return "invalid JSON"


def describe_validation_error(exc: ValidationError, limit: int = 3) -> str:
    """Name each failing field by its path, e.g. `evses.0.status: Field required`."""
    parts = []
    errors = exc.errors(include_url=False)
    for err in errors[:limit]:
        where = ".".join(str(p) for p in err["loc"]) or "(document)"
        value = err.get("input")
        if err["type"] in _TOO_LARGE_ERRORS and isinstance(value, str | list):
            # Say how large it was, not only the limit: the input itself is too big to show.
            unit = "characters" if isinstance(value, str) else "items"
            limit_ = err.get("ctx", {}).get("max_length")
            parts.append(f"{where}: {len(value):,} {unit}, more than the {limit_:,} allowed")
            continue
        parts.append(f"{where}: {err['msg']}")
    if len(errors) > limit:
        parts.append(f"and {len(errors) - limit} more")
    return "; ".join(parts)
