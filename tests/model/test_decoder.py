"""The decoder turns each message into a payload, or a rejection that says why."""

from __future__ import annotations

import base64
import gzip
import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from evtui.model import Accepted, Rejection, RejectReason, StreamMessage, decode
from evtui.model.decoder import MAX_DOCUMENT_BYTES

EVSE = "here:evcp:evse:" + "ab" * 32
LOCATION = "here:evcp:charginglocation:0001"
T = "2024-04-05T11:37:59Z"


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
        ([1, 2], "(document)"),
    ],
)
def test_schema_error_names_the_field(doc: Any, field: str) -> None:
    r = rejected(message_for(doc))
    assert r.reason is RejectReason.BAD_SCHEMA
    assert r.detail.startswith(f"{field}:")


ARRIVAL = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def evse_at(when: object) -> dict[str, Any]:
    return payload(evses=[{"id": EVSE, "status": "AVAILABLE", "last_updated": when}])


def arriving(doc: Any) -> StreamMessage:
    return replace(message_for(doc), received_at=ARRIVAL.timestamp())


@pytest.mark.parametrize(
    ("when", "why"),
    [
        ("yesterday", "valid datetime"),
        (1712317079, "valid datetime"),
        ("2024-02-30T10:00:00Z", "valid datetime"),
        ("2024-04-05T25:00:00Z", "valid datetime"),
        ("0001-01-01T00:00:00+14:00", "before 1970"),
        ("1969-12-31T23:59:59Z", "before 1970"),
        ("2026-12-07T13:00:00Z", "7.0 days after the message was sent"),
        # Ages ahead in years, not as "2,909,900.9 days".
        ("9999-12-31T23:59:59-14:00", "7,973 years after the message was sent"),
    ],
)
def test_impossible_timestamps_are_rejected_as_such(when: object, why: str) -> None:
    r = rejected(arriving(evse_at(when)))
    assert r.reason is RejectReason.BAD_TIMESTAMP
    assert r.detail.startswith("evses.0.last_updated:")
    assert why in r.detail


@pytest.mark.parametrize(
    "when",
    [
        "2026-12-07T11:00:00Z",  # a clock days fast is still believed
        "2026-11-30T12:00:00",  # no zone: OCPI times are UTC
        "2026-11-30T13:00:00+01:00",
        "1970-01-01T00:00:00Z",
    ],
)
def test_plausible_timestamps_are_accepted(when: str) -> None:
    assert isinstance(decode(arriving(evse_at(when))), Accepted)


def test_the_platform_clock_decides_what_is_the_future_where_it_is_known() -> None:
    # Published a week after this machine's clock says it arrived: the platform is right.
    published = int((ARRIVAL.timestamp() + 8 * 86_400) * 1000)
    message = replace(arriving(evse_at("2026-12-08T12:00:00Z")), timestamp=published)
    assert isinstance(decode(message), Accepted)
    assert isinstance(decode(replace(message, timestamp=None)), Rejection)


def test_without_an_arrival_time_only_the_past_bound_applies() -> None:
    assert isinstance(decode(message_for(evse_at("2999-01-01T00:00:00Z"))), Accepted)


@pytest.mark.parametrize(
    ("doc", "detail"),
    [
        (payload(id="x" * 100_000), "id: 100,000 characters, more than the 32,768 allowed"),
        (
            payload(evses=[{"id": "e" * 40_000, "status": "AVAILABLE", "last_updated": T}]),
            "evses.0.id: 40,000 characters",
        ),
        (
            payload(evses=[{"id": EVSE, "status": "S" * 65, "last_updated": T}]),
            "evses.0.status: 65 characters, more than the 64 allowed",
        ),
    ],
)
def test_absurd_sizes_are_rejected_as_too_large_saying_how_large(doc: Any, detail: str) -> None:
    r = rejected(message_for(doc))
    assert r.reason is RejectReason.TOO_LARGE
    assert r.detail.startswith(detail)


def test_long_ids_within_the_limits_are_data() -> None:
    doc = payload(id="here:evcp:charginglocation:" + "x" * 20_000)
    result = decode(message_for(doc))
    assert isinstance(result, Accepted)
    assert len(result.payload.id) == 20_027


@pytest.mark.parametrize("count", [1_001, 9_000, 100_000])
def test_a_message_is_never_refused_for_the_number_of_evses_it_lists(count: int) -> None:
    # HERE serves payloads over 1 MB through Blob because a location can list thousands of
    # EVSEs: only the document's inflated size bounds them.
    doc = payload(
        evses=[{"id": f"{EVSE}{i}", "status": "AVAILABLE", "last_updated": T} for i in range(count)]
    )
    result = decode(message_for(doc))
    assert isinstance(result, Accepted)
    assert [e.id for e in result.payload.evses] == [e["id"] for e in doc["evses"]]


def test_an_inflated_document_past_the_size_bound_is_too_large() -> None:
    # Payload files and stdin hand documents over inflated: the same 64 MiB bound holds.
    evse = {"id": EVSE, "status": "AVAILABLE", "last_updated": T}
    document = json.dumps(payload(evses=[evse])).encode()
    padded = document[:-1] + b" " * (MAX_DOCUMENT_BYTES - len(document) + 1) + b"}"
    assert len(padded) == MAX_DOCUMENT_BYTES + 1
    big = rejected(StreamMessage(0, 1, padded, inflated=True))
    assert big.reason is RejectReason.TOO_LARGE
    assert big.detail == "67,108,865 bytes, over 64 MiB"
    fits = decode(StreamMessage(0, 1, padded[:-2] + b"}", inflated=True))
    assert isinstance(fits, Accepted)


def test_no_data_and_unavailable_blob() -> None:
    assert rejected(StreamMessage(0, 1, None)).reason is RejectReason.NO_DATA
    r = rejected(StreamMessage(0, 1, None, data_handle="abc"))
    assert r.reason is RejectReason.BLOB_UNAVAILABLE
