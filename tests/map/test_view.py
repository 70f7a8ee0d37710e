"""The map's view: where a place falls on screen, and pan, zoom and fit."""

from __future__ import annotations

import math

import numpy as np
import pytest

from evtui.map.view import MAX_SCALE, MIN_SCALE, View


def test_the_centre_is_in_the_middle_and_north_is_up() -> None:
    view = View(lng=10.0, lat=50.0, scale=0.1, width=200, height=100)
    x, y = view.project(np.array([10.0, 11.0, 10.0]), np.array([50.0, 50.0, 51.0]))
    assert (x[0], y[0]) == (100, 50)
    # A degree of longitude at 50 N is cos(50) of a degree of latitude: fewer dots.
    assert x[1] - 100 == pytest.approx(10 * math.cos(math.radians(50)))
    assert y[2] == pytest.approx(40)  # north: up
    assert view.unproject(x[1], y[1]) == pytest.approx((11.0, 50.0))


def test_fit_shows_the_whole_box_and_not_much_more() -> None:
    box = (5.87, 47.27, 15.04, 55.06)  # Germany
    view = View.fit(box, 320, 176)
    west, south, east, north = view.box
    assert west <= box[0] and east >= box[2] and south <= box[1] and north >= box[3]
    # One side is filled up to the margin.
    assert (east - west) < 1.2 * (box[2] - box[0]) or (north - south) < 1.2 * (box[3] - box[1])
    assert view.detailed
    assert not View.world(320, 176).detailed


def test_zoom_keeps_the_point_under_the_pointer() -> None:
    view = View(lng=0.0, lat=0.0, scale=1.0, width=200, height=100)
    before = view.unproject(150, 20)
    closer = view.zoomed(2.0, 150, 20)
    assert closer.scale == 0.5
    assert closer.unproject(150, 20) == pytest.approx(before, abs=1e-9)
    assert view.zoomed(1e9).scale == MIN_SCALE
    assert view.zoomed(1e-9).scale == MAX_SCALE


def test_pan_moves_the_centre_by_dots() -> None:
    view = View(lng=0.0, lat=10.0, scale=0.5, width=200, height=100)
    moved = view.panned(20, -10)
    assert moved.lat == pytest.approx(15.0)
    assert moved.lng == pytest.approx(20 * view.lng_scale)
    # The edges of the world hold.
    assert view.panned(1e6, 1e6).lng == 180 and view.panned(1e6, 1e6).lat == -85
