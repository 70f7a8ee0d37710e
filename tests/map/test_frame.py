"""A frame of the map: where locations land, what a shared cell shows, what is picked."""

from __future__ import annotations

import base64
import random
from datetime import UTC, datetime

import numpy as np

from evtui.map.frame import BORDER_CELL, COAST_CELL, EMPTY, LOCATION, data_box, draw
from evtui.map.positions import Positions, id_positions
from evtui.map.shown import Shown
from evtui.map.states import MapState, location_states
from evtui.map.view import View
from evtui.model import EventFilter, EvseUpdate, LocationUpdate, StateStore
from evtui.model.directory import LocationInfo
from evtui.model.geohash import encode
from evtui.model.location_id import decode_location_id
from evtui.model.places import Places

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
NOW_US = int(NOW.timestamp() * 1_000_000)


def lid(lat: float, lng: float, n: int = 0, country: int = 276) -> str:
    source = base64.b64encode(f"here-ev:test:{n}".encode()).decode().rstrip("=")
    return f"here:evcp:charginglocation:{country}{encode(lat, lng)}-{source}"


def network(*places: tuple[str, list[str]]) -> StateStore:
    store = StateStore()
    store.apply(
        [
            LocationUpdate(
                id=location_id,
                evses=[
                    EvseUpdate(id=f"{location_id}/{n}", status=s, last_updated=NOW)
                    for n, s in enumerate(statuses)
                ],
            )
            for location_id, statuses in places
        ]
    )
    return store


def frame_of(store: StateStore, view: View, **options: object):  # type: ignore[no-untyped-def]
    positions = Positions()
    positions.update(store, Places())
    return draw(view, positions, location_states(store, NOW_US), **options)  # type: ignore[arg-type]


# A view of 40 x 10 cells (80 x 40 dots) over the open Atlantic, 40 W to 20 W, 3 N to 13 N:
# no coast; a dot is a quarter degree of latitude, 0.25 / cos(8) of longitude.
OCEAN = View(lng=-30.0, lat=8.0, scale=0.25, width=80, height=40)


def cell(view: View, lat: float, lng: float) -> tuple[int, int]:
    x, y = view.project(np.array([lng]), np.array([lat]))
    return int(y[0] // 4), int(x[0] // 2)


def test_a_location_lights_half_its_cell_in_its_state_colour() -> None:
    up, down = lid(8.375, -25.0, 1), lid(7.875, -35.0, 2)
    store = network((up, ["AVAILABLE"]), (down, ["OUT_OF_ORDER"]))
    frame = frame_of(store, OCEAN)
    # 8.375 N is dot row 18.5: cell row 4 (dots 16-19), its lower half; 7.875 N is dot row
    # 20.5: row 5, its upper half. 25 W is dot column 59.8: cell column 29; 35 W, 20.2: 10.
    assert cell(OCEAN, 8.375, -25.0) == (4, 29) and cell(OCEAN, 7.875, -35.0) == (5, 10)
    assert frame.kinds[4, 29] == LOCATION + MapState.AVAILABLE
    assert frame.glyphs[4, 29] == 0xE4  # ⣤: the lower half
    assert frame.kinds[5, 10] == LOCATION + MapState.ALL_DOWN
    assert frame.glyphs[5, 10] == 0x1B  # ⠛: the upper half
    assert frame.counts == (1, 0, 0, 0, 1) and frame.in_view == 2
    others = np.ones(frame.kinds.shape, dtype=bool)
    others[4, 29] = others[5, 10] = False
    assert (frame.kinds[others] == EMPTY).all()


def test_a_shared_cell_shows_the_most_urgent_or_the_majority() -> None:
    a, b, c = lid(8.1, -30.1, 1), lid(8.2, -30.2, 2), lid(8.3, -30.3, 3)
    store = network((a, ["AVAILABLE"]), (b, ["AVAILABLE"]), (c, ["INOPERATIVE", "CHARGING"]))
    spot = cell(OCEAN, 8.2, -30.2)
    assert cell(OCEAN, 8.1, -30.1) == spot == cell(OCEAN, 8.3, -30.3)
    assert frame_of(store, OCEAN).kinds[spot] == LOCATION + MapState.SOME_DOWN
    majority = frame_of(store, OCEAN, mode="majority")
    assert majority.kinds[spot] == LOCATION + MapState.AVAILABLE
    # A tie goes to the more urgent.
    tie = network((a, ["AVAILABLE"]), (c, ["INOPERATIVE", "CHARGING"]))
    assert frame_of(tie, OCEAN, mode="majority").kinds[spot] == LOCATION + MapState.SOME_DOWN


def test_the_cursor_picks_the_nearest_location_in_view() -> None:
    near, far, outside = lid(8.0, -31.0, 1), lid(11.0, -22.0, 2), lid(40.0, 10.0, 3)
    store = network((near, ["AVAILABLE"]), (far, ["CHARGING"]), (outside, ["CHARGING"]))
    frame = frame_of(store, OCEAN, cursor=(40.0, 20.0))
    assert frame.picked is not None and store.location_id_at(frame.picked) == near
    frame = frame_of(store, OCEAN, cursor=(79.0, 0.0))
    assert frame.picked is not None and store.location_id_at(frame.picked) == far
    assert frame.in_view == 2  # the third is in Europe, outside the view
    # Every location in view (the world's zoom): the same pick.
    whole = network((near, ["AVAILABLE"]), (far, ["CHARGING"]))
    for cursor, want in (((40.0, 20.0), near), ((79.0, 0.0), far)):
        frame = frame_of(whole, OCEAN, cursor=cursor)
        assert frame.picked is not None and whole.location_id_at(frame.picked) == want
        assert frame.in_view == 2


def test_filtered_and_watched_locations() -> None:
    a, b = lid(8.375, -25.0, 1), lid(7.875, -35.0, 2)
    store = network((a, ["AVAILABLE"]), (b, ["CHARGING"]))
    shown = Shown().mask(EventFilter.parse("status:charging"), store, Places())
    assert shown is not None and shown.tolist() == [False, True]
    watched = np.array([True, False])
    frame = frame_of(store, OCEAN, shown=shown, watched=watched)
    assert frame.counts == (0, 1, 0, 0, 0)
    assert frame.kinds[cell(OCEAN, 8.375, -25.0)] == EMPTY
    assert not frame.watched.any()  # the watched one is filtered out
    frame = frame_of(store, OCEAN, watched=watched)
    assert frame.watched[cell(OCEAN, 8.375, -25.0)] and frame.watched.sum() == 1


def test_the_world_is_drawn_under_the_locations() -> None:
    europe = View.fit((-10.0, 36.0, 30.0, 60.0), 160, 80)
    store = network((lid(52.52, 13.40), ["AVAILABLE"]))
    frame = frame_of(store, europe)
    assert (frame.kinds == COAST_CELL).sum() > 100 and (frame.kinds == BORDER_CELL).sum() > 50
    assert frame.kinds[cell(europe, 52.52, 13.40)] == LOCATION + MapState.AVAILABLE


def test_positions_follow_the_directory_and_new_locations() -> None:
    a, b = lid(10.0, 10.0, 1), lid(20.0, 20.0, 2)
    store, places = network((a, ["AVAILABLE"])), Places()
    positions = Positions()
    assert positions.update(store, places)
    assert positions.from_id[:1].tolist() == [True]
    assert not positions.update(store, places)  # nothing new
    places.update([LocationInfo(a, "Depot", None, None, None, None, None, -5.0, -6.0, None, 0)])
    store.apply([LocationUpdate(id=b, evses=[])])
    assert positions.update(store, places)
    assert positions.count == 2
    assert (positions.lat[0], positions.lng[0], bool(positions.from_id[0])) == (-5.0, -6.0, False)
    assert positions.lat[1] == decode_location_id(b).lat  # type: ignore[union-attr]
    assert data_box(positions) == (-6.0, -5.0, positions.lng[1], positions.lat[1])


def test_id_positions_read_what_the_id_decoder_reads() -> None:
    rng = random.Random(5)
    ids = []
    for n in range(3000):
        geohash = encode(rng.uniform(-89, 89), rng.uniform(-179, 179))
        if n % 9 == 0:  # not a geohash symbol
            geohash = geohash[:4] + rng.choice("ailo!é") + geohash[5:]
        country = rng.choice(["276", "56", "840", "0", "1234", "999", "٣", "4"])
        ids.append(lid(0, 0, n).replace(f"276{encode(0, 0)}", f"{country}{geohash}"))
    ids += ["", "here:evcp:charginglocation:", "here:evcp:charginglocation:276u33db-x", "L1"]
    lng, lat = id_positions(ids)
    for n, location_id in enumerate(ids):
        facts = decode_location_id(location_id)
        if facts is None:
            assert np.isnan(lng[n]) and np.isnan(lat[n]), location_id
        else:
            assert (lng[n], lat[n]) == (facts.lng, facts.lat), location_id
    assert 1000 < np.count_nonzero(~np.isnan(lng)) < 3000
