"""What HERE's directory (EV Charge Points API v3) says of a location, as plain records.

`parse_location` turns one v3 `Location` object (an item of `/locations?ids=`) into a
`LocationInfo`, or raises `BadRecord` naming the field that is wrong: callers refuse that one
record and keep the rest of the batch. Directory text is untrusted, like the stream's: it is
kept as data (never markup; the UI escapes it) and cut to `MAX_TEXT` characters, ending in
"…", everywhere (the cache and `evtui directory show` too): real names and addresses are far
shorter, and a hostile one should not fill the cache.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict, ValidationError

__all__ = [
    "LOCATION_PREFIX",
    "MAX_TEXT",
    "BadRecord",
    "Connector",
    "EvseInfo",
    "LocationInfo",
    "content_id",
    "full_location_id",
    "parse_location",
]

LOCATION_PREFIX = "here:evcp:charginglocation:"
"""What every HERE location id starts with; the directory is asked for the part after it."""
MAX_TEXT = 300
"""Names, addresses and the like are cut to this many characters; real ones are far shorter."""
MAX_ID = 1_000
"""A record whose id is longer is refused: real ids are under 100 characters."""
MAX_EVSES = 20_000
MAX_CONNECTORS = 100


@dataclass(frozen=True, slots=True)
class Connector:
    """One connector of an EVSE. `standard` and `power_type` are HERE's words, kept as text."""

    standard: str | None
    power_type: str | None
    max_kw: float | None


@dataclass(frozen=True, slots=True)
class EvseInfo:
    """One EVSE: `id` is the stream's key (`here:evcp:evse:…`), `evse_id` the eMI3 one."""

    id: str
    evse_id: str | None
    connectors: tuple[Connector, ...]


@dataclass(frozen=True, slots=True)
class LocationInfo:
    """A location as the directory describes it. Unknown fields are None.

    `id` is the full `here:evcp:charginglocation:…` id; `country` is ISO 3166 alpha-3;
    `evses` is None when not known (or not loaded: display data leaves them out);
    `fetched_at` is when the record came from the directory (POSIX seconds).
    """

    id: str
    name: str | None
    operator: str | None
    address: str | None
    city: str | None
    postal_code: str | None
    country: str | None
    lat: float | None
    lng: float | None
    evses: tuple[EvseInfo, ...] | None
    fetched_at: float


class BadRecord(ValueError):
    """A directory record that cannot be used; the message names the field and why."""


def full_location_id(text: str) -> str:
    """The full location id for a full one or a bare content id (`56u1516726h2-aGVy…`)."""
    text = text.strip()
    return text if ":" in text else LOCATION_PREFIX + text


def content_id(location_id: str) -> str:
    """The last component of a colon-separated id: what the directory is asked for."""
    return location_id.rsplit(":", 1)[-1]


def _cut(value: str) -> str:
    return value if len(value) <= MAX_TEXT else value[: MAX_TEXT - 1] + "…"


Text = Annotated[str, AfterValidator(_cut)]
Id = Annotated[str, Field(min_length=1, max_length=MAX_ID)]
# v3 gives numbers as JSON numbers: "52.1" or true in their place is a record of the wrong shape.
Number = Annotated[float, Strict()]


class _Lax(BaseModel):
    # Extra fields are HERE's business: a field added to v3 must not make records bad.
    model_config = ConfigDict(extra="ignore", allow_inf_nan=False)


class _Position(_Lax):
    lat: Number = Field(ge=-90, le=90)
    lng: Number = Field(ge=-180, le=180)


class _Operator(_Lax):
    name: Text | None = None


class _Address(_Lax):
    label: Text | None = None
    street: Text | None = None
    houseNumber: Text | None = None
    postalCode: Text | None = None
    city: Text | None = None
    countryCode: Text | None = None


class _Connector(_Lax):
    standard: Text | None = None
    powerType: Text | None = None
    maxPower: Number | None = Field(default=None, ge=0)


class _Evse(_Lax):
    id: Id
    evseId: Text | None = None
    connectors: list[_Connector] = Field(default_factory=list, max_length=MAX_CONNECTORS)


class _Location(_Lax):
    id: Id
    location: _Position | None = None
    name: Text | None = None
    operator: _Operator | None = None
    address: _Address | None = None
    evses: list[_Evse] | None = Field(default=None, max_length=MAX_EVSES)


def _country(code: str | None) -> str | None:
    """An ISO alpha-3 code, or None for anything else (never an error)."""
    if code is None:
        return None
    code = code.strip().upper()
    return code if len(code) == 3 and code.isascii() and code.isalpha() else None


def _kw(watts: float | None) -> float | None:
    if watts is None or not math.isfinite(watts):
        return None
    return round(watts / 1000, 3)


def _label(address: _Address) -> str | None:
    if address.label:
        return address.label
    street = " ".join(p for p in (address.street, address.houseNumber) if p)
    town = " ".join(p for p in (address.postalCode, address.city) if p)
    return ", ".join(p for p in (street, town) if p) or None


def parse_location(record: Any, fetched_at: float, *, need_position: bool = True) -> LocationInfo:
    """One v3 `Location` object as a `LocationInfo`; `BadRecord` names what is wrong.

    Every v3 record has `id` and `location`; `need_position=False` lets a record without a
    position through (a CSV row that gives none, as the cache keeps it).
    """
    if not isinstance(record, dict):
        raise BadRecord(f"a record must be a JSON object, not {type(record).__name__}")
    try:
        model = _Location.model_validate(record)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"]) or "record"
        raise BadRecord(f"{where}: {error['msg']}") from None
    if need_position and model.location is None:
        raise BadRecord("location: missing (every v3 record has its position)")
    address = model.address
    evses = None
    if model.evses is not None:
        evses = tuple(
            EvseInfo(
                e.id,
                e.evseId,
                tuple(Connector(c.standard, c.powerType, _kw(c.maxPower)) for c in e.connectors),
            )
            for e in model.evses
        )
    return LocationInfo(
        id=full_location_id(model.id),
        name=model.name,
        operator=model.operator.name if model.operator else None,
        address=_label(address) if address else None,
        city=address.city if address else None,
        postal_code=address.postalCode if address else None,
        country=_country(address.countryCode) if address else None,
        lat=model.location.lat if model.location else None,
        lng=model.location.lng if model.location else None,
        evses=evses,
        fetched_at=fetched_at,
    )
