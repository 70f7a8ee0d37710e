"""Regenerate the SVG screenshots the README shows: `make screenshots`.

They come from the same deterministic scene as the snapshot tests (tests/ui/scene.py): a seeded
synthetic network fed to the real app through a payload file, on the data's own clock.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

from textual.pilot import Pilot

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.ui.scene import SIZE, make_app, settle  # noqa: E402

OUT = ROOT / "screenshots"

Steps = Callable[[Pilot[None]], Awaitable[None]]


async def _nothing(pilot: Pilot[None]) -> None:
    pass


async def _open_location(pilot: Pilot[None]) -> None:
    await pilot.press("tab", "enter")
    await pilot.pause(0.3)


async def _help(pilot: Pilot[None]) -> None:
    await pilot.press("question_mark")
    await pilot.pause(0.3)


async def shoot(name: str, size: tuple[int, int], steps: Steps) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(Path(tmp))
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            await steps(pilot)
            target = OUT / f"{name}.svg"
            app.save_screenshot(filename=target.name, path=str(OUT))
    return target


async def main() -> None:
    OUT.mkdir(exist_ok=True)
    shots = [
        ("monitor", SIZE, _nothing),
        ("monitor-80x24", (80, 24), _nothing),
        ("location", SIZE, _open_location),
        ("help", SIZE, _help),
    ]
    for name, size, steps in shots:
        print(f"wrote {await shoot(name, size, steps)}")


if __name__ == "__main__":
    asyncio.run(main())
