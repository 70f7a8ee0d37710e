"""Stream text that tries to take over the terminal is shown inert, and the layout holds.

Ids full of escape sequences, control characters, bidi overrides, Rich markup, wide
characters and a 20,000-character id go through every place the monitor shows ids: the log,
the watchlist, notifications, the location screen, the palette and the rejected list. Every
line drawn must be free of control characters and exactly as wide as the terminal.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from textual.pilot import Pilot

from evtui.model import Batch, StreamMessage, decode_document
from evtui.ui.app import EvtuiApp
from evtui.ui.screens.location import LocationScreen
from evtui.ui.screens.rejected import RejectedScreen
from evtui.ui.widgets.counters import StatusCounters
from evtui.ui.widgets.event_log import EventLog
from evtui.watchlist import Watchlist
from tests.ui.test_app import file_app, loaded, toasts, until

UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
PREFIX = "here:evcp:charginglocation:"
ESCAPES = PREFIX + "\x1b[31mRED\x1b[0m\x1b]0;pwned\x07\x1b[2J"
CONTROLS = PREFIX + "a\x00b\rc\nd\x08e\x9b31mf"
BIDI = PREFIX + "evil\u202egnp.exe\u2066x\u2069"
MARKUP = PREFIX + "[bold red]loud[/] [link=http://evil]click[/link]"
WIDE = PREFIX + "充電站" * 12 + "\u200b\ufeff"
LONG = PREFIX + "L" * 20_000
HOSTILE = [ESCAPES, CONTROLS, BIDI, MARKUP, WIDE, LONG]


def evse(location: str, n: int, status: str, minute: int) -> dict[str, str]:
    return {
        "id": f"{location}:evse{n}\x1b[1m",
        "status": status,
        "last_updated": f"2026-11-25T10:{minute:02d}:00Z",
    }


def story() -> list[dict[str, object]]:
    docs: list[dict[str, object]] = []
    for minute, status in enumerate(["OUT_OF_ORDER", "AVAILABLE", "CHARGING"]):
        for location in HOSTILE:
            docs.append({"id": location, "evses": [evse(location, 1, status, minute)]})
    docs.append({"id": MARKUP, "evses": [evse(MARKUP, 2, "\x1b[5mPLANNED[/]", 5)]})
    docs.append({"id": ESCAPES, "evses": []})
    docs.append({"id": "x" * 100_000, "evses": []})  # absurd: rejected, shown as such
    return docs


def screen_lines(app: EvtuiApp) -> list[str]:
    strips = app.screen._compositor.render_strips()
    width = app.size.width
    for n, strip in enumerate(strips):
        assert strip.cell_length == width, f"line {n} is {strip.cell_length} cells wide"
    return [strip.text for strip in strips]


def assert_inert(app: EvtuiApp) -> str:
    lines = screen_lines(app)
    for n, line in enumerate(lines):
        assert UNSAFE.search(line) is None, f"line {n} carries a control character: {line!r}"
    return "\n".join(lines)


def hostile_app(tmp_path: Path) -> EvtuiApp:
    watchlist = Watchlist(tmp_path / "watchlist.json")
    for location in HOSTILE:
        watchlist.add(location)
    watchlist.set_label(BIDI, "label \x1b[7m\u202eflip")
    return file_app(tmp_path, story(), batch_size=len(HOSTILE), watchlist=watchlist)


async def visit(pilot: Pilot[None], *keys: str) -> str:
    app = pilot.app
    assert isinstance(app, EvtuiApp)
    await pilot.press(*keys)
    await pilot.pause(0.2)
    return assert_inert(app)


@pytest.mark.parametrize("size", [(160, 48), (80, 24)])
async def test_hostile_ids_are_shown_inert_and_the_layout_holds(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    app = hostile_app(tmp_path)
    async with app.run_test(size=size) as pilot:
        await loaded(pilot)
        assert app.store.evse_count == len(HOSTILE) + 1
        text = assert_inert(app)
        # Escaped, not dropped: a user sees that the id holds an escape sequence.
        assert "\\x1b[31mRE" in text
        assert "\\x1b[5mP…" in text  # the unknown status is counted, inert, shortened
        assert any("\\x1b" in t for t in toasts(app))  # alerts name the ids, escaped
        assert all(UNSAFE.search(t) is None for t in toasts(app))

        # Each row's location screen, the long id among them.
        log = app.query_one(EventLog)
        seen = set()
        await pilot.press("home")
        for _ in range(len(HOSTILE)):  # the first rows: one per location
            await pilot.press("enter")
            await pilot.pause(0.1)
            assert isinstance(app.screen, LocationScreen)
            seen.add(app.screen.location_id)
            assert_inert(app)
            await pilot.press("escape", "down")
        assert LONG in seen and ESCAPES in seen
        await pilot.press("home")
        while log.highlighted is not None and log.highlighted.location_id != MARKUP:
            await pilot.press("down")
        text = await visit(pilot, "enter")
        # Markup is text: the brackets are on screen, nothing turned bold or into a link.
        assert "[bold red]loud[/] [link=http://evil]click[/link]" in text
        await pilot.press("escape")

        await visit(pilot, "x")
        assert isinstance(app.screen, RejectedScreen)
        text = await visit(pilot, "escape", "ctrl+p", "l", "o", "u", "d")
        assert "Open location" in text
        await visit(pilot, "escape", "question_mark")
        await pilot.press("escape")


async def test_an_absurd_message_is_counted_by_reason_and_kept(tmp_path: Path) -> None:
    app = hostile_app(tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        # (the payload file ends with a broken object too)
        assert app.state.rejected == {"too large": 1, "bad JSON": 1}
        text = await visit(pilot, "x")
        assert "2 rejected since the start · too large 1 · bad JSON 1" in text
        assert "id: 100,000 characters, more than the 32,768 allowed" in text


async def test_statuses_the_stream_invents_later_grow_the_counters_within_bounds(
    tmp_path: Path,
) -> None:
    first = [{"id": PREFIX + "a", "evses": [evse(PREFIX + "a", 1, "AVAILABLE", 0)]}]
    invented = [f"NEW_STATUS_{n}_WITH_A_RATHER_LONG_NAME" for n in range(7)]
    later = [
        {"id": PREFIX + f"b{n}", "evses": [evse(PREFIX + f"b{n}", 1, status, 1)]}
        for n, status in enumerate(invented)
    ]
    app = file_app(tmp_path, first, watchlist=Watchlist(None))
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)
        counters = app.query_one(StatusCounters)
        before = counters.region.height
        # The same monitor, later: the stream brings seven statuses nobody has heard of.
        state = app._state
        for doc in later:
            state.apply(
                Batch((decode_document(StreamMessage(0, 0, b""), json.dumps(doc).encode()),)), 0
            )
        # Four rows more (three statuses and "4 others"), not seven: the panel stays bounded.
        await until(pilot, lambda: counters.region.height == before + 4)
        text = assert_inert(app)
        assert "4 others" in text
        # Long names are cut, never the figures: every row still shows its share.
        rows = [line for line in text.splitlines() if "NEW_STAT…AME" in line]
        assert len(rows) == 3 and all("12.5%" in row for row in rows)


# --- directory text: names, operators and addresses are as untrusted as ids ----------------

HOSTILE_NAMES = [
    "\x1b[31mRED\x1b[0m\x1b]0;pwned\x07 station",
    "[bold red]loud[/] [link=http://evil]click[/link]",
    "evil\u202egnp.exe\u2066x\u2069",
    "充電站" * 30,
    "N" * 5_000,
]
PLAIN = [PREFIX + f"plain{n}" for n in range(len(HOSTILE_NAMES))]


def hostile_directory(path: Path) -> None:
    """A real cache file whose records carry hostile text in every field shown."""
    from evtui.directory import DirectoryCache
    from evtui.model.directory import parse_location

    records = []
    for n, (location_id, name) in enumerate(zip(PLAIN, HOSTILE_NAMES, strict=True)):
        raw = {
            "id": location_id,
            "location": {"lat": 52.5, "lng": 13.4},
            "name": name,
            "operator": {"name": HOSTILE_NAMES[(n + 1) % len(HOSTILE_NAMES)]},
            "address": {"label": HOSTILE_NAMES[(n + 2) % len(HOSTILE_NAMES)], "city": name},
            "evses": [
                {
                    "id": f"{location_id}:evse1\x1b[1m",
                    "evseId": HOSTILE_NAMES[(n + 3) % len(HOSTILE_NAMES)],
                    "connectors": [{"standard": "\x1b[5mX[/]", "maxPower": 150_000}],
                }
            ],
        }
        records.append((raw, parse_location(raw, 1.8e9)))
    with DirectoryCache.open(path) as cache:
        cache.put(records)


@pytest.mark.parametrize("size", [(160, 48), (80, 24)])
async def test_hostile_directory_text_is_shown_inert_and_cut(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    cache = tmp_path / "directory.sqlite"
    hostile_directory(cache)
    docs = [
        {"id": i, "evses": [evse(i, 1, status, minute)]}
        for minute, status in enumerate(["AVAILABLE", "CHARGING"])
        for i in PLAIN
    ]
    watchlist = Watchlist(tmp_path / "watchlist.json")
    for location_id in PLAIN:
        watchlist.add(location_id)
    app = file_app(tmp_path, docs, watchlist=watchlist, directory_cache=cache)
    async with app.run_test(size=size) as pilot:
        await loaded(pilot)
        await until(pilot, lambda: all(app.places.complete(i) for i in PLAIN))
        await pilot.pause(0.3)
        app.clear_notifications()
        await pilot.pause(0.2)
        text = assert_inert(app)
        assert "\\x1b[31mRED" in text  # escaped, not dropped
        for location_id in PLAIN:
            app.open_location(location_id)
            await pilot.pause(0.7)
            assert isinstance(app.screen, LocationScreen)
            text = assert_inert(app)
            if size[0] >= 160:  # (narrower, the connectors column is scrolled off)
                assert "\\x1b[5mX[/] 150" in text  # the standard, escaped, never markup
            await pilot.press("escape")
        text = await visit(pilot, "ctrl+p", *"loud")
        assert "Open location" in text
        await pilot.press("escape")
        assert all(UNSAFE.search(t) is None for t in toasts(app))
