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

from evtui.ui.app import EvtuiApp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.ui.scene import (  # noqa: E402
    SIZE,
    make_app,
    make_replay_app,
    open_first_watched,
    open_help,
    replay_half_way,
    settle,
    show_map,
)

OUT = ROOT / "screenshots"

Steps = Callable[[Pilot[None]], Awaitable[None]]
Scene = Callable[[Path], EvtuiApp]


async def shoot(name: str, size: tuple[int, int], steps: Steps, scene: Scene = make_app) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        app = scene(Path(tmp))
        async with app.run_test(size=size) as pilot:
            await steps(pilot)
            target = OUT / f"{name}.svg"
            app.save_screenshot(filename=target.name, path=str(OUT))
    return target


async def main() -> None:
    OUT.mkdir(exist_ok=True)
    shots = [
        ("monitor", SIZE, settle),
        ("monitor-80x24", (80, 24), settle),
        ("location", SIZE, open_first_watched),
        ("help", SIZE, open_help),
    ]
    for name, size, steps in shots:
        print(f"wrote {await shoot(name, size, steps)}")
    print(f"wrote {await shoot('replay', SIZE, replay_half_way, make_replay_app)}")

    async def replay_map(pilot: Pilot[None]) -> None:
        await replay_half_way(pilot)
        await show_map(pilot)

    print(f"wrote {await shoot('map', SIZE, replay_map, make_replay_app)}")


if __name__ == "__main__":
    asyncio.run(main())
