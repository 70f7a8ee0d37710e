"""The stream payload: one charging location and the EVSEs whose status it reports."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Annotated

import msgspec
from pydantic import AfterValidator, ConfigDict, Field, TypeAdapter
from pydantic.dataclasses import dataclass

__all__ = [
    "MAX_ID_LENGTH",
    "MAX_STATUS_LENGTH",
    "EvseUpdate",
    "LocationUpdate",
    "from_micros",
    "schema_time",
    "to_micros",
]


# Limits far above anything a real feed carries (HERE ids are under 100 characters). Past them
# a message is rejected as too large rather than kept: the store holds every id for the whole
# run. The number of EVSEs a message lists has no limit of its own: HERE serves payloads over
# 1 MB through Blob precisely because a location can list thousands, and the bound on a
# document's inflated size (decoder.MAX_DOCUMENT_BYTES) already bounds their count.
MAX_ID_LENGTH = 32_768
MAX_STATUS_LENGTH = 64

Id = Annotated[str, Field(min_length=1, max_length=MAX_ID_LENGTH)]
StatusText = Annotated[str, Field(min_length=1, max_length=MAX_STATUS_LENGTH)]


def _as_utc(when: datetime) -> datetime:
    # OCPI times are UTC: one without a zone is read as UTC, never as this machine's time.
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


UtcTime = Annotated[datetime, AfterValidator(_as_utc)]
"""An aware time: every later comparison and conversion can rely on it."""


# The payload as evtui keeps it: msgspec Structs, built in C straight from the JSON. Every
# message of the stream is parsed into these, and msgspec does it two and a half times faster
# than pydantic (0.7 µs against 1.75 µs for a message of the demo's). gc=False: they hold
# strings, times and a list of EVSEs, never a cycle, so the collector need not track them.
# forbid_unknown_fields: msgspec skips a field it does not know without checking all that
# pydantic checks of it (its UTF-8, its depth), so a document with one goes to pydantic (the
# feed has none; were HERE to add one, decoding would be as fast as before msgspec, no slower).


# The limits as msgspec checks them while it parses (made directly, a Struct checks nothing).
_MsId = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_ID_LENGTH)]
_MsStatus = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_STATUS_LENGTH)]
# Aware only: the schema reads a time without a zone as UTC, so msgspec leaves those to it.
_MsTime = Annotated[datetime, msgspec.Meta(tz=True)]


class EvseUpdate(msgspec.Struct, frozen=True, gc=False, forbid_unknown_fields=True):
    """The status of one EVSE as of `last_updated`, an aware time (built by hand, a Struct
    checks nothing: give it one)."""

    id: _MsId
    # Plain text on purpose: an unknown status is data to keep, not an error.
    status: _MsStatus
    last_updated: _MsTime


class LocationUpdate(msgspec.Struct, frozen=True, gc=False, forbid_unknown_fields=True):
    """One stream payload: a charging location `id` and some of its EVSEs."""

    id: _MsId
    evses: list[EvseUpdate]

    @staticmethod
    def from_json(document: bytes | str) -> LocationUpdate:
        """Parse and validate a JSON document; raises `pydantic.ValidationError`.

        The schema's definition, and every rejection's wording, is pydantic's (`_EvseSpec`,
        `_LocationSpec` below); msgspec takes the documents it can vouch give the same payload
        (`_fast`), and anything else goes to pydantic for its verdict.
        """
        fast = _fast(document)
        if fast is not None:
            return fast
        return _from_spec(_VALIDATE_JSON(document))

    @staticmethod
    def from_data(data: object) -> LocationUpdate:
        """Validate Python data (a dict, times as datetimes or ISO text); raises
        `pydantic.ValidationError`. Lax where JSON is strict: Python data has real types."""
        return _from_spec(_ADAPTER.validate_python(data, strict=False))


# --- the schema, in pydantic's words ---------------------------------------------------------

_CONFIG = ConfigDict(strict=True, extra="ignore")


@dataclass(frozen=True, slots=True, config=_CONFIG)
class _EvseSpec:
    id: Id
    status: StatusText
    last_updated: UtcTime


@dataclass(frozen=True, slots=True, config=_CONFIG)
class _LocationSpec:
    id: Id
    evses: list[_EvseSpec]


_ADAPTER = TypeAdapter(_LocationSpec)
# The core validator itself: the adapter's wrapper sorts out options no caller here uses.
_VALIDATE_JSON = _ADAPTER.validator.validate_json


def _from_spec(spec: _LocationSpec) -> LocationUpdate:
    return LocationUpdate(
        spec.id, [EvseUpdate(e.id, e.status, _std_zone(e.last_updated)) for e in spec.evses]
    )


def _std_zone(when: datetime) -> datetime:
    """The same time in the standard library's zone object, as msgspec gives it (pydantic's
    zone class prints and compares alike but is another class)."""
    offset = when.utcoffset()
    return when.replace(tzinfo=UTC if not offset else timezone(offset))


# --- the fast path: msgspec, where it agrees with the schema ---------------------------------

_FAST_DECODE = msgspec.json.Decoder(LocationUpdate).decode

# One value both take but read differently: fractions of a second past six digits, which
# msgspec rounds and pydantic truncates (tests/model/test_payload_fast.py looks for others).
_LONG_FRACTION = re.compile(rb"\.[0-9]{7}")


def _fast(document: bytes | str) -> LocationUpdate | None:
    """The payload, when msgspec parses `document` and is sure to agree with the schema;
    else None (the schema decides)."""
    if isinstance(document, str):
        try:
            document = document.encode()
        except UnicodeEncodeError:
            return None
    try:
        fast = _FAST_DECODE(document)
    except msgspec.DecodeError:  # any error: the schema says which, in its words
        return None
    # Most documents hold no "." at all: a byte search spares them the pattern.
    if document.find(b".") >= 0 and _LONG_FRACTION.search(document):
        return None
    return fast


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def to_micros(when: datetime) -> int:
    """Whole microseconds since the epoch (exact, unlike a float); no zone is read as UTC."""
    # Parsed UTC times are in the epoch's own zone object (`UTC`, see _std_zone): subtracting
    # it skips two utcoffset() calls, 0.4 µs instead of 1.2, for every EVSE of every message.
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return (when - _EPOCH) // _MICROSECOND


def schema_time(seconds: int) -> datetime:
    """The aware UTC time `seconds` after the epoch, in the zone object parsed times use: it
    compares with them without utcoffset() calls."""
    return _EPOCH + timedelta(seconds=seconds)


def from_micros(micros: int) -> datetime:
    """The aware UTC time `micros` microseconds after the epoch."""
    return _EPOCH + micros * _MICROSECOND
