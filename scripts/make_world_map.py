"""Write the map screen's coastlines, borders and country boxes from Natural Earth.

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz   # anywhere, once
    .venv/bin/python scripts/make_world_map.py path/to/package

`world-atlas` (ISC licence) is Natural Earth's Admin 0 countries (public domain), version
4.1.0, as TopoJSON. This script reads its 1:110m and 1:50m files and writes, into
evtui/map/data/, what the map draws and nothing more:

- `world-110m.npz`, `world-50m.npz`: polylines in degrees x 10^4 (int32): `points` (N x 2,
  lng then lat), `starts` (where each line begins in `points`, one more than there are lines)
  and `kinds` (0 coastline, 1 border). TopoJSON shares each arc between the countries on
  either side, so an arc used by one country is coast and one used by two is a border:
  each is drawn once.
- `countries.npz`: each country's ISO numeric code (-1 where Natural Earth gives none), its
  name, and the box (west, south, east, north) of its largest polygon from the 1:50m file,
  which is where "jump to a country" goes: France's box is France's, not its overseas
  departments'.

evtui loads these with NumPy (no pickles) and downloads nothing; the files are small enough
to ship in the package (tests/map/test_world.py checks what the map relies on).
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

DATA = Path(__file__).resolve().parent.parent / "evtui" / "map" / "data"
UNITS = 10_000
"""Degrees are stored as whole ten-thousandths (about 11 m): finer than 1:50m's own grid."""


def arcs(topology: dict[str, Any]) -> list[np.ndarray]:
    """Every arc of a quantized TopoJSON topology, in degrees (delta-decoded)."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    out = []
    for arc in topology["arcs"]:
        q = np.cumsum(np.asarray(arc, dtype=np.int64), axis=0)
        out.append(np.column_stack((q[:, 0] * sx + tx, q[:, 1] * sy + ty)))
    return out


def polygons(geometry: dict[str, Any]) -> Iterator[list[list[int]]]:
    """The polygons (each a list of rings of arc indexes) of a country's geometry."""
    if geometry["type"] == "Polygon":
        yield geometry["arcs"]
    elif geometry["type"] == "MultiPolygon":
        yield from geometry["arcs"]


def ring_points(ring: list[int], decoded: list[np.ndarray]) -> np.ndarray:
    parts = [decoded[i] if i >= 0 else decoded[~i][::-1] for i in ring]
    return np.concatenate(parts) if parts else np.zeros((0, 2))


def split_at_antimeridian(arc: np.ndarray) -> list[np.ndarray]:
    """The arc in pieces that do not cross 180 degrees of longitude.

    Natural Earth's shapes go across the antimeridian (Russia's east, Fiji, Antarctica): a
    step from 179.9 to -179.9 is 0.2 degrees east, not 359.8 west. Each such step is cut
    where it crosses, and both ends are taken to the edge, so a flat map shows no line
    across the whole world.
    """
    pieces: list[np.ndarray] = []
    piece = [arc[0]]
    for (lng0, lat0), (lng1, lat1) in pairwise(arc):
        if abs(lng1 - lng0) > 180:
            edge = 180.0 if lng0 > 0 else -180.0
            # Where the step crosses: the share of the short way round that lies before it.
            before, after = abs(edge - lng0), abs(-edge - lng1)
            lat = lat0 + (lat1 - lat0) * (before / (before + after) if before + after else 0.5)
            pieces.append(np.array([*piece, (edge, lat)]))
            piece = [np.array((-edge, lat))]
        piece.append(np.array((lng1, lat1)))
    pieces.append(np.array(piece))
    return pieces


def lines(topology: dict[str, Any]) -> dict[str, np.ndarray]:
    """Coastlines and borders: each arc of the countries once, by how many use it."""
    decoded = arcs(topology)
    users: Counter[int] = Counter()
    for geometry in topology["objects"]["countries"]["geometries"]:
        for polygon in polygons(geometry):
            for ring in polygon:
                for index in ring:
                    users[index if index >= 0 else ~index] += 1
    points: list[np.ndarray] = []
    starts = [0]
    kinds: list[int] = []
    for index in sorted(users):
        for piece in split_at_antimeridian(decoded[index]):
            arc = np.round(piece * UNITS).astype(np.int32)
            # Quantization leaves repeated points; a line of one point draws nothing.
            keep = np.ones(len(arc), dtype=bool)
            keep[1:] = np.any(arc[1:] != arc[:-1], axis=1)
            arc = arc[keep]
            if len(arc) < 2:
                continue
            points.append(arc)
            starts.append(starts[-1] + len(arc))
            kinds.append(0 if users[index] == 1 else 1)
    return {
        "points": np.concatenate(points),
        "starts": np.asarray(starts, dtype=np.int32),
        "kinds": np.asarray(kinds, dtype=np.uint8),
    }


def area(ring: np.ndarray) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return abs(float(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1)))) / 2


def countries(topology: dict[str, Any]) -> dict[str, np.ndarray]:
    """Each country's code, name and the box of its largest polygon."""
    decoded = arcs(topology)
    codes, names, boxes = [], [], []
    for geometry in topology["objects"]["countries"]["geometries"]:
        best: np.ndarray | None = None
        for polygon in polygons(geometry):
            outer = ring_points(polygon[0], decoded)
            if len(outer) and (best is None or area(outer) > area(best)):
                best = outer
        if best is None:
            continue
        code = geometry.get("id")
        codes.append(int(code) if code is not None and str(code).isdigit() else -1)
        names.append(str(geometry.get("properties", {}).get("name", "")))
        boxes.append((*best.min(axis=0), *best.max(axis=0)))
    return {
        "codes": np.asarray(codes, dtype=np.int16),
        "names": np.asarray(names, dtype=np.str_),
        "boxes": np.asarray(boxes, dtype=np.float32),
    }


def main(package: Path) -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    for scale in ("110m", "50m"):
        topology = json.loads((package / f"countries-{scale}.json").read_text())
        out = lines(topology)
        np.savez_compressed(DATA / f"world-{scale}.npz", **out)  # type: ignore[arg-type]
        print(f"world-{scale}: {len(out['kinds'])} lines, {len(out['points'])} points")
        if scale == "50m":
            table = countries(topology)
            np.savez_compressed(DATA / "countries.npz", **table)  # type: ignore[arg-type]
            print(f"countries: {len(table['codes'])}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(Path(sys.argv[1]))
