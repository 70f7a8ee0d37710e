"""The world the map draws: Natural Earth's coastlines, borders and countries, as shipped.

The data lies in evtui/map/data/, written by scripts/make_world_map.py from Natural Earth
(public domain) by way of the world-atlas package; nothing is downloaded. Each file is read
once, when the map first needs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Literal

import numpy as np
import numpy.typing as npt

from evtui.model.countries import by_numeric

__all__ = ["BORDER", "COAST", "Country", "Lines", "Scale", "countries", "lines"]

Scale = Literal["110m", "50m"]
COAST = 0
BORDER = 1
_UNITS = 10_000.0
"""The files hold degrees as whole ten-thousandths."""

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Lines:
    """Every segment of the coastlines and borders at one scale, as four columns of degrees
    (a segment from (lng0, lat0) to (lng1, lat1)) and its kind (COAST or BORDER)."""

    lng0: Floats
    lat0: Floats
    lng1: Floats
    lat1: Floats
    kind: npt.NDArray[np.uint8]

    def __len__(self) -> int:
        return len(self.kind)


@dataclass(frozen=True, slots=True)
class Country:
    """A country the map can jump to: its name and the box of its largest polygon."""

    name: str
    alpha3: str | None
    west: float
    south: float
    east: float
    north: float


def _load(name: str) -> dict[str, npt.NDArray[np.generic]]:
    with files("evtui.map").joinpath("data").joinpath(name).open("rb") as f, np.load(f) as data:
        return {key: data[key] for key in data.files}


@cache
def lines(scale: Scale) -> Lines:
    """The segments at `scale`: 1:110m for the world, 1:50m once zoomed in."""
    data = _load(f"world-{scale}.npz")
    points = data["points"].astype(np.float64) / _UNITS
    starts = data["starts"].astype(np.int64)
    # A segment joins each point to the next, except across the end of a line.
    last = np.zeros(len(points), dtype=bool)
    last[starts[1:] - 1] = True
    begin = np.flatnonzero(~last[:-1])
    kind_of_point = np.repeat(data["kinds"], np.diff(starts))
    return Lines(
        lng0=points[begin, 0],
        lat0=points[begin, 1],
        lng1=points[begin + 1, 0],
        lat1=points[begin + 1, 1],
        kind=kind_of_point[begin].astype(np.uint8),
    )


@cache
def countries() -> tuple[Country, ...]:
    """Every country of the map, by name."""
    data = _load("countries.npz")
    out = []
    for code, name, box in zip(data["codes"], data["names"], data["boxes"], strict=True):
        iso = by_numeric(int(code)) if code >= 0 else None
        west, south, east, north = (float(v) for v in box)
        out.append(
            Country(
                name=iso.name if iso is not None else str(name),
                alpha3=iso.alpha3 if iso is not None else None,
                west=west,
                south=south,
                east=east,
                north=north,
            )
        )
    return tuple(sorted(out, key=lambda c: c.name))
