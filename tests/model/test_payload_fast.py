"""msgspec's fast path against the schema (pydantic): two computations of the same payload.

Whatever document msgspec takes, pydantic must take too and read the same way (the same ids,
statuses, instants and zones); where either refuses, `LocationUpdate.from_json` must give
pydantic's verdict, word for word.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from evtui.model.payload import (
    _VALIDATE_JSON,
    MAX_ID_LENGTH,
    MAX_STATUS_LENGTH,
    LocationUpdate,
    _fast,
    _from_spec,
)


def seen(payload: LocationUpdate) -> tuple[Any, ...]:
    """All a payload says, zones included (aware datetimes compare by instant alone)."""
    return (
        payload.id,
        [
            (e.id, e.status, t, t.utcoffset(), type(t.tzinfo))
            for e in payload.evses
            for t in [e.last_updated]
        ],
    )


def spec(document: bytes) -> tuple[Any, ...] | str:
    """What pydantic makes of it: the payload, or its errors (as text: NaN is not NaN)."""
    try:
        return seen(_from_spec(_VALIDATE_JSON(document)))
    except ValidationError as exc:
        return repr(exc.errors(include_url=False))


def check(document: bytes) -> None:
    expected = spec(document)
    fast = _fast(document)
    if fast is not None:
        assert seen(fast) == expected, document
    try:
        got: Any = seen(LocationUpdate.from_json(document))
    except ValidationError as exc:
        got = repr(exc.errors(include_url=False))
    assert got == expected, document


digits = st.text("0123456789", min_size=1, max_size=4)
times = st.one_of(
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)).map(
        lambda d: d.isoformat()
    ),
    st.builds(
        lambda y, mo, d, sep, h, mi, s, frac, zone: f"{y}-{mo}-{d}{sep}{h}:{mi}:{s}{frac}{zone}",
        st.sampled_from(["2024", "1969", "1970", "0000", "0001", "9999", "+2024", "24"]),
        st.sampled_from(["01", "02", "12", "13", "00", "1"]),
        st.sampled_from(["01", "28", "29", "30", "31", "32", "00"]),
        st.sampled_from(["T", "t", " ", "_", "", "TT"]),
        st.sampled_from(["00", "11", "23", "24", "1"]),
        st.sampled_from(["00", "59", "60", "5"]),
        st.sampled_from(["00", "59", "60", "61", "5"]),
        st.one_of(st.just(""), st.just("."), digits.map(lambda f: "." + f),
                  st.text("0123456789", min_size=5, max_size=12).map(lambda f: "." + f),
                  st.just(".9999999"), st.just(",5")),
        st.sampled_from(["Z", "z", "", "+00:00", "-00:00", "+01:00", "-14:00", "+14:00",
                         "+23:59", "+24:00", "+0100", "+01", "+1:00", " Z", "+01:30:15", "UTC"]),
    ),
    st.text(max_size=30),
    st.integers(),
    st.none(),
)
ids = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", "here:evcp:evse:" + "ab" * 32, "\x00", "\ud83d\ude00", "\u202e"]),
    st.integers(),
    st.none(),
)
statuses = st.one_of(
    st.sampled_from(["AVAILABLE", "CHARGING", "PLANNED", "", "S" * MAX_STATUS_LENGTH,
                     "S" * (MAX_STATUS_LENGTH + 1)]),
    st.text(max_size=70),
    st.integers(),
    st.lists(st.integers(), max_size=2),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                max_size=3),
    max_leaves=8,
)


@st.composite
def evse_objects(draw: st.DrawFn) -> dict[str, Any]:
    evse: dict[str, Any] = {"id": draw(ids), "status": draw(statuses),
                            "last_updated": draw(times)}
    for key in draw(st.lists(st.sampled_from(["id", "status", "last_updated"]), max_size=2)):
        evse.pop(key, None)
    if draw(st.booleans()) and draw(st.booleans()):
        evse[draw(st.sampled_from(["extra", "connectors", "Status"]))] = draw(json_values)
    return evse


@st.composite
def documents(draw: st.DrawFn) -> bytes:
    doc: dict[str, Any] = {"id": draw(ids), "evses": draw(st.lists(evse_objects(), max_size=4))}
    if draw(st.integers(0, 9)) == 0:
        doc["evses"] = draw(json_values)
    if draw(st.integers(0, 5)) == 0:
        doc[draw(st.sampled_from(["name", "evse", "x"]))] = draw(json_values)
    if draw(st.integers(0, 9)) == 0:
        del doc[draw(st.sampled_from(["id", "evses"]))]
    text = json.dumps(doc, ensure_ascii=draw(st.booleans()))
    if draw(st.integers(0, 5)) == 0:  # a key twice: the later one counts, in both
        text = text[:-1] + ', "id": ' + json.dumps(draw(ids)) + "}"
    return text.encode("utf-8", "surrogatepass")


@settings(max_examples=3000, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(documents())
def test_the_fast_path_agrees_with_the_schema(document: bytes) -> None:
    check(document)


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_get_the_schemas_verdict(document: bytes) -> None:
    check(document)


def one(when: str = "2024-04-05T11:37:59Z", extra: str = "", status: str = '"A"') -> bytes:
    return (
        f'{{"id": "L", "evses": [{{"id": "E", "status": {status}, "last_updated": "{when}"}}]'
        f"{extra}}}"
    ).encode()


@pytest.mark.parametrize(
    "document",
    [
        one("2024-04-05T11:37:59.1234567Z"),  # msgspec rounds, pydantic truncates
        one("2024-04-05T11:37:59.9999999Z"),  # ... across a second
        one("2024-04-05T11:37:59"),  # no zone: UTC, by the schema
        one("2024-04-05T11:37:59+01:00"),
        one("0001-01-01T00:00:00+14:00"),
        one(extra=', "x": ' + "[" * 250 + "]" * 250),  # deeper than pydantic's limit
        one(extra=', "x": ' + "[" * 5000 + "]" * 5000),
        one(extra=', "x": "\xed\xa0\x80"'.encode("latin-1").decode("latin-1")),
        one().replace(b'"L"', b'"\xed\xa0\x80"'),  # an encoded surrogate: not UTF-8
        one(extra=', "x": NaN'),
        one(extra=', "x": 1e999'),
        one(extra=', "x": 123456789012345678901234567890'),
        one(extra=', "id": "M"'),  # duplicate keys
        one(extra=', "id": 5'),
        one(status='"A", "status": "B"'),
        one(status='"\\u0041"'),
        one(status='"\\ud800"'),
        one(status='"' + "S" * (MAX_STATUS_LENGTH + 1) + '"'),
        b'{"id": "' + b"x" * (MAX_ID_LENGTH + 1) + b'", "evses": []}',
        b'{"id": "' + "\U0001f600".encode() * MAX_ID_LENGTH + b'", "evses": []}',
        b'{"i\\u0064": "L", "evses": []}',
        b'\xef\xbb\xbf{"id": "L", "evses": []}',
        b' {"id": "L", "evses": []}\r\n\t',
        b'{"id": "L", "evses": []}\x00',
    ],
)
def test_known_disagreements_go_to_the_schema(document: bytes) -> None:
    check(document)


def test_text_documents_too() -> None:
    assert LocationUpdate.from_json(one().decode()) == LocationUpdate.from_json(one())
    with pytest.raises(ValidationError):
        LocationUpdate.from_json('{"id": "\ud800", "evses": []}')
