"""The command palette's list of locations: what it shows when more match than it lists."""

from __future__ import annotations

from pathlib import Path

from textual.command import CommandList, CommandPalette

from evtui.ui.commands import MAX_LOCATION_HITS
from tests.ui.test_app import doc, file_app, loaded, until

MANY = [doc(f"here:evcp:charginglocation:depot{n:04d}", 0, a="AVAILABLE") for n in range(27)]


def listed(app: object) -> list[str]:
    screen = getattr(app, "screen", None)
    if not isinstance(screen, CommandPalette):
        return []
    hits = screen.query_one(CommandList)
    return [
        str(hits.get_option_at_index(i).prompt).split("\n")[0] for i in range(hits.option_count)
    ]


async def test_the_palette_says_how_many_more_locations_match_than_it_lists(
    tmp_path: Path,
) -> None:
    app = file_app(tmp_path, MANY)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await pilot.press("ctrl+p", *"depot")
        await until(pilot, lambda: any("more location" in p for p in listed(app)))
        prompts = listed(app)
        opens = [p for p in prompts if p.startswith("Open location")]
        assert len(opens) == MAX_LOCATION_HITS
        more = [p for p in prompts if "more location" in p]
        assert more == [f"…and {27 - MAX_LOCATION_HITS} more locations match"]
        # Picking it is a palette again, to type a word more.
        while not listed(app)[app.screen.query_one(CommandList).highlighted or 0].startswith("…"):
            await pilot.press("down")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"depot002")
        await until(pilot, lambda: any(p.startswith("Open location") for p in listed(app)))
        prompts = listed(app)
        assert len([p for p in prompts if p.startswith("Open location")]) == 7
        assert not [p for p in prompts if "more location" in p]
