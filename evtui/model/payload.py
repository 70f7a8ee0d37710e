"""The stream payload: one charging location and the EVSEs whose status it reports."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, ConfigDict, Field, TypeAdapter
from pydantic.dataclasses import dataclass

__all__ = [
    "KNOWN_STATUSES",
    "MAX_ID_LENGTH",
    "MAX_STATUS_LENGTH",
    "EvseUpdate",
    "LocationUpdate",
    "Status",
    "from_micros",
    "id_tail",
    "schema_time",
    "to_micros",
]


class Status(StrEnum):
    """The EVSE statuses of OCPI 2.2.1 §8.4.22 that HERE publishes.

    The stream may carry values outside this list; the model keeps those as their raw text.
    """

    AVAILABLE = "AVAILABLE"
    CHARGING = "CHARGING"
    RESERVED = "RESERVED"
    OUT_OF_ORDER = "OUT_OF_ORDER"
    INOPERATIVE = "INOPERATIVE"
    BLOCKED = "BLOCKED"
    UNKNOWN = "UNKNOWN"


KNOWN_STATUSES: tuple[str, ...] = tuple(s.value for s in Status)

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


_HERE_PREFIX = re.compile(r"here:evcp:[A-Za-z_]+:")


def id_tail(identifier: str) -> str:
    """The distinctive part of a HERE id: `here:evcp:evse:<hex>` → `<hex>`.

    Only HERE's own prefix is dropped: an id of another shape is its own tail, colons and all,
    so that two different ids never look alike.
    """
    match = _HERE_PREFIX.match(identifier)
    tail = identifier[match.end() :] if match else identifier
    return tail or identifier


# Pydantic dataclasses with slots, not BaseModels: validating a message into them takes half
# the time (no __dict__ or fields-set per object, fewer objects for the garbage collector to
# track), and every message of the stream goes through here. Same validation, same attributes.
_CONFIG = ConfigDict(strict=True, extra="ignore")


@dataclass(frozen=True, slots=True, config=_CONFIG)
class EvseUpdate:
    """The status of one EVSE as of `last_updated`."""

    id: Id
    # Plain text on purpose: an unknown status is data to keep, not an error.
    status: StatusText
    last_updated: UtcTime


@dataclass(frozen=True, slots=True, config=_CONFIG)
class LocationUpdate:
    """One stream payload: a charging location `id` and some of its EVSEs."""

    id: Id
    evses: list[EvseUpdate]

    @staticmethod
    def from_json(document: bytes | str) -> LocationUpdate:
        """Parse and validate a JSON document; raises `pydantic.ValidationError`."""
        return _VALIDATE_JSON(document)  # type: ignore[no-any-return]

    @staticmethod
    def from_data(data: object) -> LocationUpdate:
        """Validate Python data (a dict, times as datetimes or ISO text); raises
        `pydantic.ValidationError`. Lax where JSON is strict: Python data has real types."""
        return _ADAPTER.validate_python(data, strict=False)


_ADAPTER = TypeAdapter(LocationUpdate)
# The core validator itself: the adapter's wrapper sorts out options no caller here uses, for
# every message.
_VALIDATE_JSON = _ADAPTER.validator.validate_json


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
# The zone object the schema gives UTC times. Subtracting an epoch in that same object skips
# two utcoffset() calls: 0.4 µs instead of 1.2 µs, paid for every EVSE of every message.
_SCHEMA_UTC = LocationUpdate.from_json(
    b'{"id": "-", "evses": [{"id": "-", "status": "-", "last_updated": "1970-01-01T00:00:00Z"}]}'
).evses[0].last_updated.tzinfo
_SCHEMA_EPOCH = _EPOCH.replace(tzinfo=_SCHEMA_UTC)


def to_micros(when: datetime) -> int:
    """Whole microseconds since the epoch (exact, unlike a float); no zone is read as UTC."""
    if when.tzinfo is _SCHEMA_UTC:
        return (when - _SCHEMA_EPOCH) // _MICROSECOND
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return (when - _EPOCH) // _MICROSECOND


def schema_time(seconds: int) -> datetime:
    """The aware UTC time `seconds` after the epoch, in the zone object the schema uses: it
    compares with the schema's times without utcoffset() calls."""
    return _SCHEMA_EPOCH + timedelta(seconds=seconds)


def from_micros(micros: int) -> datetime:
    """The aware UTC time `micros` microseconds after the epoch."""
    return _EPOCH + micros * _MICROSECOND
