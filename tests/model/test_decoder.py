"""The decoder turns each message into a payload, or a rejection that says why."""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any

import pytest

from evtui.model import Accepted, Rejection, RejectReason, StreamMessage, decode
from evtui.model.decoder import MAX_DOCUMENT_BYTES

EVSE = "here:evcp:evse:" + "ab" * 32
LOCATION = "here:evcp:charginglocation:0001"


def payload(**overrides: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": LOCATION,
        "evses": [{"id": EVSE, "status": "AVAILABLE", "last_updated": "2024-04-05T11:37:59Z"}],
    }
    doc.update(overrides)
    return doc


def inline(raw: bytes, offset: int = 7) -> StreamMessage:
    return StreamMessage(partition=3, offset=offset, data=base64.b64encode(raw).decode())


def message_for(doc: Any) -> StreamMessage:
    return inline(gzip.compress(json.dumps(doc).encode()))


def rejected(message: StreamMessage) -> Rejection:
    result = decode(message)
    assert isinstance(result, Rejection), result
    return result


def test_valid_payload_decodes_with_its_document_kept_exactly() -> None:
    document = json.dumps(payload(), indent=2).encode()
    result = decode(inline(gzip.compress(document)))
    assert isinstance(result, Accepted)
    assert result.payload.id == LOCATION
    assert [(e.id, e.status) for e in result.payload.evses] == [(EVSE, "AVAILABLE")]
    assert result.document == document


def test_blob_bytes_decode_like_inline_data() -> None:
    raw = gzip.compress(json.dumps(payload()).encode())
    result = decode(StreamMessage(partition=0, offset=1, data=raw, data_handle="h1"))
    assert isinstance(result, Accepted)


def test_unknown_status_is_kept_as_raw_text() -> None:
    doc = payload(evses=[{"id": EVSE, "status": "PLANNED", "last_updated": "2024-04-05T11:37:59Z"}])
    result = decode(message_for(doc))
    assert isinstance(result, Accepted)
    assert result.payload.evses[0].status == "PLANNED"


def test_empty_evses_is_valid() -> None:
    assert isinstance(decode(message_for(payload(evses=[]))), Accepted)


def test_several_gzip_members_are_all_inflated() -> None:
    text = json.dumps(payload()).encode()
    raw = gzip.compress(text[:10]) + gzip.compress(text[10:])
    result = decode(inline(raw))
    assert isinstance(result, Accepted)
    assert result.document == text


def test_bad_base64() -> None:
    r = rejected(StreamMessage(partition=0, offset=1, data="not base64!!"))
    assert r.reason is RejectReason.BAD_BASE64
    assert "partition 0 offset 1: bad base64" in r.describe()


def test_bad_gzip_not_gzip_at_all() -> None:
    r = rejected(inline(json.dumps(payload()).encode()))
    assert r.reason is RejectReason.BAD_GZIP


def test_bad_gzip_truncated() -> None:
    raw = gzip.compress(json.dumps(payload()).encode())
    r = rejected(inline(raw[: len(raw) // 2]))
    assert r.reason is RejectReason.BAD_GZIP
    assert "truncated" in r.detail


def test_bad_gzip_corrupt_stream() -> None:
    raw = bytearray(gzip.compress(json.dumps(payload()).encode()))
    raw[12:20] = b"\xff" * 8
    assert rejected(inline(bytes(raw))).reason is RejectReason.BAD_GZIP


def test_gzip_bomb_is_rejected_as_too_large() -> None:
    raw = gzip.compress(b" " * (MAX_DOCUMENT_BYTES + 1))
    assert rejected(inline(raw)).reason is RejectReason.TOO_LARGE


@pytest.mark.parametrize("text", [b"{", b"", b"\xff\xfe", b'{"id": "x", "evses": [}'])
def test_bad_json(text: bytes) -> None:
    assert rejected(inline(gzip.compress(text))).reason is RejectReason.BAD_JSON


@pytest.mark.parametrize(
    ("doc", "field"),
    [
        ({"evses": []}, "id"),
        (payload(id=5), "id"),
        (payload(id=""), "id"),
        (payload(evses={"id": EVSE}), "evses"),
        (payload(evses=[{"id": EVSE, "last_updated": "2024-04-05T11:37:59Z"}]), "evses.0.status"),
        (
            payload(evses=[{"id": EVSE, "status": 3, "last_updated": "2024-04-05T11:37:59Z"}]),
            "evses.0.status",
        ),
        (
            payload(evses=[{"id": EVSE, "status": "AVAILABLE", "last_updated": "yesterday"}]),
            "evses.0.last_updated",
        ),
        (
            payload(evses=[{"id": EVSE, "status": "AVAILABLE", "last_updated": 1712317079}]),
            "evses.0.last_updated",
        ),
        ([1, 2], "(document)"),
    ],
)
def test_schema_error_names_the_field(doc: Any, field: str) -> None:
    r = rejected(message_for(doc))
    assert r.reason is RejectReason.BAD_SCHEMA
    assert r.detail.startswith(f"{field}:")


def test_no_data_and_unavailable_blob() -> None:
    assert rejected(StreamMessage(0, 1, None)).reason is RejectReason.NO_DATA
    r = rejected(StreamMessage(0, 1, None, data_handle="abc"))
    assert r.reason is RejectReason.BLOB_UNAVAILABLE
