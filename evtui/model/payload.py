"""The stream payload: one charging location and the EVSEs whose status it reports."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["KNOWN_STATUSES", "EvseUpdate", "LocationUpdate", "Status", "id_tail"]


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

NonEmptyStr = Annotated[str, Field(min_length=1)]


def id_tail(identifier: str) -> str:
    """The distinctive part of a HERE id: `here:evcp:evse:<hex>` → `<hex>`."""
    return identifier.rsplit(":", 1)[-1]


class EvseUpdate(BaseModel):
    """The status of one EVSE as of `last_updated`."""

    model_config = ConfigDict(frozen=True, strict=True, extra="ignore")

    id: NonEmptyStr
    # Plain text on purpose: an unknown status is data to keep, not an error.
    status: NonEmptyStr
    last_updated: datetime


class LocationUpdate(BaseModel):
    """One stream payload: a charging location `id` and some of its EVSEs."""

    model_config = ConfigDict(frozen=True, strict=True, extra="ignore")

    id: NonEmptyStr
    evses: list[EvseUpdate]
