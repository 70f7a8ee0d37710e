"""Which part of the world is on screen, and where a longitude and latitude fall on it.

The projection is equirectangular about the view's centre: a dot spans `scale` degrees of
latitude and `scale / cos(centre latitude)` of longitude, so shapes keep their proportions
near the centre at any zoom (braille dots are about square: a cell is twice as tall as it
is wide and holds 2 x 4 dots). At the world view the centre is near the equator and this is
the familiar plate carree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

__all__ = ["DETAIL_SPAN", "MAX_SCALE", "MIN_SCALE", "WORLD", "View"]

Floats = npt.NDArray[np.float64]

WORLD = (-180.0, -58.0, 180.0, 84.0)
"""The world view's box (west, south, east, north): every land but Antarctica."""
MIN_SCALE = 1e-4
"""The closest zoom: a dot is about 11 m."""
MAX_SCALE = 2.0
"""The farthest: a dot is two degrees."""
DETAIL_SPAN = 90.0
"""Views narrower than this many degrees of longitude draw 1:50m lines, wider ones 1:110m
(a continent: Europe from Portugal to the Urals is about 70)."""
_MIN_SQUEEZE = 0.2


@dataclass(frozen=True, slots=True)
class View:
    """The centre (`lng`, `lat`), degrees of latitude per dot, and the size in dots."""

    lng: float
    lat: float
    scale: float
    width: int
    height: int

    @classmethod
    def fit(
        cls, box: tuple[float, float, float, float], width: int, height: int, margin: float = 0.05
    ) -> View:
        """The closest view of `width` x `height` dots that shows all of `box`."""
        west, south, east, north = box
        lat = (south + north) / 2
        squeeze = _squeeze(lat)
        span_x = max(east - west, 1e-6) * squeeze * (1 + 2 * margin)
        span_y = max(north - south, 1e-6) * (1 + 2 * margin)
        scale = max(span_x / max(width, 1), span_y / max(height, 1))
        return cls((west + east) / 2, lat, scale, width, height).clamped()

    @classmethod
    def world(cls, width: int, height: int) -> View:
        return cls.fit(WORLD, width, height, margin=0.0)

    @property
    def lng_scale(self) -> float:
        """Degrees of longitude per dot."""
        return self.scale / _squeeze(self.lat)

    @property
    def box(self) -> tuple[float, float, float, float]:
        """What the view shows: (west, south, east, north)."""
        half_w, half_h = self.width / 2 * self.lng_scale, self.height / 2 * self.scale
        return (self.lng - half_w, self.lat - half_h, self.lng + half_w, self.lat + half_h)

    @property
    def detailed(self) -> bool:
        """Whether the view is narrow enough for the 1:50m lines."""
        return self.width * self.lng_scale < DETAIL_SPAN

    def project(self, lng: Floats, lat: Floats) -> tuple[Floats, Floats]:
        """Dot coordinates (x right, y down; fractional) of the points."""
        x = (lng - self.lng) / self.lng_scale + self.width / 2
        y = (self.lat - lat) / self.scale + self.height / 2
        return x, y

    def unproject(self, x: float, y: float) -> tuple[float, float]:
        """The (lng, lat) at dot (x, y)."""
        return (
            self.lng + (x - self.width / 2) * self.lng_scale,
            self.lat - (y - self.height / 2) * self.scale,
        )

    def panned(self, dx: float, dy: float) -> View:
        """Moved by (dx, dy) dots."""
        lng, lat = self.unproject(self.width / 2 + dx, self.height / 2 + dy)
        return replace(self, lng=lng, lat=lat).clamped()

    def zoomed(self, factor: float, x: float | None = None, y: float | None = None) -> View:
        """`factor` times closer (less than 1: farther), keeping the point under dot (x, y)
        where it is (the centre if not given)."""
        if x is None or y is None:
            x, y = self.width / 2, self.height / 2
        lng, lat = self.unproject(x, y)
        scale = min(max(self.scale / factor, MIN_SCALE), MAX_SCALE)
        view = replace(self, scale=scale, lat=lat + (y - self.height / 2) * scale)
        return replace(view, lng=lng - (x - self.width / 2) * view.lng_scale).clamped()

    def resized(self, width: int, height: int) -> View:
        return replace(self, width=width, height=height)

    def clamped(self) -> View:
        lng = min(max(self.lng, -180.0), 180.0)
        lat = min(max(self.lat, -85.0), 85.0)
        scale = min(max(self.scale, MIN_SCALE), MAX_SCALE)
        return replace(self, lng=lng, lat=lat, scale=scale)


def _squeeze(lat: float) -> float:
    return max(math.cos(math.radians(lat)), _MIN_SQUEEZE)
