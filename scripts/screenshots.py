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

from tests.ui.scene import SIZE, make_app, open_first_watched, open_help, settle  # noqa: E402

OUT = ROOT / "screenshots"

Steps = Callable[[Pilot[None]], Awaitable[None]]


async def shoot(name: str, size: tuple[int, int], steps: Steps) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(Path(tmp))
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


if __name__ == "__main__":
    asyncio.run(main())
