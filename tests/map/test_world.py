"""The shipped world: Natural Earth's lines and countries, as the map reads them."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from evtui.map.world import BORDER, COAST, countries, lines

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "make_world_map.py"


@pytest.mark.parametrize("scale", ["110m", "50m"])
def test_lines_are_degrees_and_never_cross_the_antimeridian(scale: str) -> None:
    world = lines(scale)  # type: ignore[arg-type]
    assert len(world) > (7_000 if scale == "110m" else 70_000)
    for column in (world.lng0, world.lng1):
        assert column.min() >= -180 and column.max() <= 180
    for column in (world.lat0, world.lat1):
        assert column.min() >= -90 and column.max() <= 90
    # A step across 180 degrees would be drawn as a line across the whole map.
    assert np.abs(world.lng1 - world.lng0).max() < 20
    assert {int(k) for k in np.unique(world.kind)} == {COAST, BORDER}


def test_the_detailed_scale_has_more_coast_than_the_world_scale() -> None:
    def length(scale: str) -> float:
        world = lines(scale)  # type: ignore[arg-type]
        coast = world.kind == COAST
        return float(
            np.hypot(world.lng1 - world.lng0, world.lat1 - world.lat0)[coast].sum()
        )

    assert length("50m") > 1.1 * length("110m")


def test_a_country_box_is_its_mainland() -> None:
    by_code = {c.alpha3: c for c in countries()}
    france, usa = by_code["FRA"], by_code["USA"]
    assert france.name == "France"
    # Paris inside, Réunion (55.5 E, 21 S) and French Guiana (53 W) outside.
    assert france.west < 2.35 < france.east and france.south < 48.86 < france.north
    assert france.east < 10 and france.south > 40
    # Contiguous United States: Alaska and Hawaii are other polygons.
    assert -125 < usa.west < -120 and usa.north < 50
    assert len(by_code) > 200


def test_a_step_across_the_antimeridian_is_cut_at_the_edge() -> None:
    spec = importlib.util.spec_from_file_location("make_world_map", SCRIPT)
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    # 179 E to 179 W is two degrees east across the edge, crossing it half way, at 11 N.
    arc = np.array([[178.0, 10.0], [179.0, 10.0], [-179.0, 12.0], [-178.0, 12.0]])
    pieces = script.split_at_antimeridian(arc)
    assert [p.tolist() for p in pieces] == [
        [[178.0, 10.0], [179.0, 10.0], [180.0, 11.0]],
        [[-180.0, 11.0], [-179.0, 12.0], [-178.0, 12.0]],
    ]
    assert len(script.split_at_antimeridian(arc[:2])) == 1
