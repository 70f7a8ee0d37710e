"""The stream payload: one charging location and the EVSEs whose status it reports."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

__all__ = [
    "KNOWN_STATUSES",
    "MAX_EVSES",
    "MAX_ID_LENGTH",
    "MAX_STATUS_LENGTH",
    "EvseUpdate",
    "LocationUpdate",
    "Status",
    "id_tail",
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

# Limits far above anything a real feed carries (HERE ids are under 100 characters, the
# largest sites have a few hundred EVSEs). Past them a message is rejected as too large rather
# than kept: the store holds every id for the whole run.
MAX_ID_LENGTH = 32_768
MAX_STATUS_LENGTH = 64
MAX_EVSES = 1_000

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


class EvseUpdate(BaseModel):
    """The status of one EVSE as of `last_updated`."""

    model_config = ConfigDict(frozen=True, strict=True, extra="ignore")

    id: Id
    # Plain text on purpose: an unknown status is data to keep, not an error.
    status: StatusText
    last_updated: UtcTime


class LocationUpdate(BaseModel):
    """One stream payload: a charging location `id` and some of its EVSEs."""

    model_config = ConfigDict(frozen=True, strict=True, extra="ignore")

    id: Id
    evses: Annotated[list[EvseUpdate], Field(max_length=MAX_EVSES)]
