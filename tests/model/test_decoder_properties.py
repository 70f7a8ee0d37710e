"""Properties of the decoder over generated input: it never raises, it keeps what is valid
exactly, and whatever it lets through is safe to print."""

from __future__ import annotations

import base64
import gzip
import json
import re
from datetime import datetime
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from evtui.commands.tail import format_jsonl, format_text
from evtui.model import Accepted, Rejection, RejectReason, StreamMessage, decode
from evtui.model.payload import MAX_ID_LENGTH, MAX_STATUS_LENGTH
from evtui.safetext import cell_width, safe_text, shorten

# What must never reach a terminal raw: C0, DEL, C1, bidi controls, line separators.
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
hostile_text = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=60
) | st.sampled_from(
    [
        "\x1b[31mred\x1b[0m",
        "\x1b]0;pwned\x07",
        "\x1b[2J\x1b[H",
        "\x9b31m",
        "a\u202eb\u2066c",
        "[bold red]x[/]",
        "[link=http://evil]click[/link]",
        "line\nbreak\r\x08",
        "\u2028\u2029\ufeff\u200b",
    ]
)
timestamps = st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2100, 1, 1)).map(
    lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ")
)
evses = st.fixed_dictionaries(
    {"id": hostile_text, "status": hostile_text, "last_updated": timestamps}
)
payloads = st.fixed_dictionaries({"id": hostile_text, "evses": st.lists(evses, max_size=5)})


def gzipped(document: Any) -> StreamMessage:
    raw = gzip.compress(json.dumps(document).encode())
    return StreamMessage(partition=1, offset=2, data=base64.b64encode(raw).decode())


def check_outcome(result: Any) -> None:
    assert isinstance(result, Accepted | Rejection)
    if isinstance(result, Rejection):
        assert isinstance(result.reason, RejectReason)
        assert isinstance(result.detail, str) and result.detail
        assert UNSAFE.search(safe_text(result.describe())) is None


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
@example(b"\x1f\x8b")
@example(gzip.compress(b"{}"))
@example(gzip.compress(b"{}")[:-3])
def test_any_bytes_decode_to_a_payload_or_a_rejection(data: bytes) -> None:
    check_outcome(decode(StreamMessage(partition=0, offset=0, data=data)))
    check_outcome(decode(StreamMessage(partition=0, offset=0, data=data, inflated=True)))


@settings(max_examples=300)
@given(st.text(max_size=500))
def test_any_text_as_base64_data_decodes_or_is_rejected(text: str) -> None:
    check_outcome(decode(StreamMessage(partition=0, offset=0, data=text)))


@settings(max_examples=300)
@given(json_values)
def test_any_json_document_decodes_or_is_rejected_with_a_reason(document: Any) -> None:
    result = decode(gzipped(document))
    check_outcome(result)
    if isinstance(result, Accepted):
        assert result.payload.id == document["id"]
        assert len(result.payload.evses) == len(document["evses"])


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(payloads)
def test_valid_payloads_are_kept_exactly_and_printed_safely(document: dict[str, Any]) -> None:
    result = decode(gzipped(document))

    assert isinstance(result, Accepted), result
    assert result.payload.id == document["id"]
    assert [(e.id, e.status) for e in result.payload.evses] == [
        (e["id"], e["status"]) for e in document["evses"]
    ]
    line = format_jsonl(result)
    assert json.loads(line) == document  # jsonl keeps the data exact...
    assert line.isascii() and line.count("\n") == 1  # ...on one line, escaped
    text = format_text(result)
    assert UNSAFE.search(text.replace("\n", "")) is None
    assert text.count("\n") == max(1, len(document["evses"]))


@settings(max_examples=200)
@given(payloads, st.data())
def test_damaged_compressed_payloads_never_raise(document: dict[str, Any], data: Any) -> None:
    raw = bytearray(gzip.compress(json.dumps(document).encode()))
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(raw) - 1))
        raw[at] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(raw)))
    message = StreamMessage(partition=0, offset=0, data=bytes(raw[:cut]))
    check_outcome(decode(message))


@settings(max_examples=50, deadline=None)
@given(
    st.integers(MAX_ID_LENGTH - 2, MAX_ID_LENGTH + 2),
    # No limit on the count: any number of EVSEs fits while the document's size does.
    st.integers(1, 3_000),
    st.integers(MAX_STATUS_LENGTH - 1, MAX_STATUS_LENGTH + 1),
)
def test_the_size_limits_are_exact(id_length: int, count: int, status_length: int) -> None:
    document = {
        "id": "x" * id_length,
        "evses": [
            {"id": f"e{i}", "status": "S" * status_length, "last_updated": "2024-01-01T00:00:00Z"}
            for i in range(count)
        ],
    }
    result = decode(gzipped(document))
    fits = id_length <= MAX_ID_LENGTH and status_length <= MAX_STATUS_LENGTH
    assert isinstance(result, Accepted) is fits
    if not fits:
        assert isinstance(result, Rejection) and result.reason is RejectReason.TOO_LARGE


@settings(max_examples=500)
@given(st.text(), st.integers(1, 40))
def test_safe_text_is_inert_idempotent_and_fits_its_width(text: str, width: int) -> None:
    safe = safe_text(text)
    assert UNSAFE.search(safe) is None
    assert safe_text(safe) == safe
    assert "\x1b" not in safe
    short = safe_text(text, width)
    assert cell_width(short) <= width
    assert shorten(safe, width) == short
    if cell_width(safe) <= width:
        assert short == safe
