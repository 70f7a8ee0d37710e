"""How a poll's entries become the reader's messages: which are new, the Blob fetches of
payloads over 1 MB, and decoding.

Nearly every entry carries its payload inline and goes straight to a `StreamMessage`; only the
rare others wait as a `Pending` for Blob.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from evtui.here.errors import AuthenticationError, HereError, TransientError
from evtui.here.platform import Platform
from evtui.model import Decoded, Rejection, RejectReason, StreamMessage, decode

__all__ = ["Entry", "Pending", "decode_all", "fetch_blobs", "new_messages"]


@dataclass
class Pending:
    """A polled message whose payload may still have to come from Blob."""

    message: dict[str, Any]
    partition: int
    offset: int
    received_at: float
    blob: bytes | None = None
    blob_done: bool = False
    blob_error: str | None = None
    unplaced: bool = False
    """The poll gave no usable partition and offset."""


Entry: TypeAlias = StreamMessage | Pending
"""A polled message, ready (inline payload) or waiting for its payload from Blob."""


def new_messages(
    messages: list[Any], delivered: dict[int, int], now: float
) -> tuple[list[Entry], bool]:
    """The poll's messages not delivered yet, in order, and whether one needs Blob."""
    pending: list[Entry] = []
    needs_blob = False
    for raw in messages:
        raw = raw if isinstance(raw, dict) else {}
        meta = raw.get("metaData")
        meta = meta if isinstance(meta, dict) else {}
        try:
            place = raw["offset"]
            partition = int(place["partition"])
            offset = int(place["offset"])
        except (KeyError, TypeError, ValueError):
            # Kept (as partition -1) so the reader counts it; it cannot be committed.
            pending.append(Pending(meta, -1, -1, now, unplaced=True))
            continue
        if offset <= delivered.get(partition, -1):
            continue  # redelivered after a resubscribe: the reader has it already
        data = meta.get("data")
        if isinstance(data, str):  # inline, as nearly every message is: no Blob
            pending.append(_inline_message(meta, data, partition, offset, now))
        else:
            needs_blob = needs_blob or data is None
            pending.append(Pending(meta, partition, offset, now))
    return pending, needs_blob


async def fetch_blobs(client: Platform, catalog: str, layer: str, pending: list[Entry]) -> None:
    """Fetch the payloads still missing; one that cannot be had becomes a rejection.

    Safe to call again after it raised: what was fetched stays fetched.
    """
    for p in pending:
        if isinstance(p, StreamMessage):
            continue
        handle = p.message.get("dataHandle")
        if p.blob_done or p.message.get("data") is not None or not handle:
            continue
        try:
            p.blob = await client.fetch_blob(catalog, layer, str(handle))
        except (TransientError, AuthenticationError):
            raise  # retried with the whole poll, or fatal for every message alike
        except HereError as exc:
            # This one payload cannot be had: reject it, keep reading the others.
            p.blob_error = str(exc)
        p.blob_done = True


def decode_all(pending: Sequence[Entry]) -> tuple[Decoded, ...]:
    return tuple(decode(p) if isinstance(p, StreamMessage) else _decode(p) for p in pending)


def _decode(p: Pending) -> Decoded:
    message = _message(p)
    if p.unplaced:
        return Rejection(message, RejectReason.NO_DATA, "message without a partition/offset")
    if p.blob_error is not None:
        return Rejection(message, RejectReason.BLOB_UNAVAILABLE, p.blob_error)
    return decode(message)


def _message(p: Pending) -> StreamMessage:
    meta = p.message
    data = meta.get("data")
    timestamp = meta.get("timestamp")
    key = meta.get("partition")
    handle = meta.get("dataHandle")
    return StreamMessage(
        partition=p.partition,
        offset=p.offset,
        data=data if isinstance(data, str) else p.blob,
        timestamp=timestamp if isinstance(timestamp, int) else None,
        key=None if key is None else str(key),
        data_handle=None if handle is None else str(handle),
        received_at=p.received_at,
    )


def _inline_message(
    meta: dict[str, Any], data: str, partition: int, offset: int, received_at: float
) -> StreamMessage:
    """The message of a poll's entry whose payload came inline (as `_message` builds it)."""
    timestamp = meta.get("timestamp")
    key = meta.get("partition")
    handle = meta.get("dataHandle")
    return StreamMessage(
        partition=partition,
        offset=offset,
        data=data,
        timestamp=timestamp if isinstance(timestamp, int) else None,
        key=None if key is None else str(key),
        data_handle=None if handle is None else str(handle),
        received_at=received_at,
    )
