"""Regenerate the SVG screenshots the README shows: `make screenshots`.

Deterministic input: a seeded synthetic network stamped from a fixed start time, fed to the
real app through a payload file, so a rerun draws the same data.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
from pathlib import Path

from evtui.emulator import NetworkConfig, SyntheticNetwork
from evtui.emulator.network import format_time
from evtui.here.events import ConnectionStatus
from evtui.sources import PayloadFileSource
from evtui.ui.app import EvtuiApp
from evtui.ui.widgets.status_bar import StatusBar

OUT = Path(__file__).resolve().parent.parent / "screenshots"
START = 1_795_600_800.0  # 2026-11-26T08:00:00Z
SIZE = (160, 48)


def write_payloads(path: Path, *, seed: int = 1, hours: float = 1.0) -> None:
    network = SyntheticNetwork(NetworkConfig(seed=seed, locations=400))
    lines = []
    for sim, payload in network.snapshot() + network.advance(hours * 3600):
        for evse in payload["evses"]:
            evse["last_updated"] = format_time(START + evse.pop("since", sim))
        lines.append(json.dumps(payload))
    path.write_text("\n".join(lines) + "\n")


async def monitor(payloads: Path, target: Path) -> None:
    source = PayloadFileSource(str(payloads))
    source.label = "synthetic network, seed 1"
    app = EvtuiApp(source)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(200):
            await pilot.pause(0.05)
            if app.query_one(StatusBar).connection.status is ConnectionStatus.CLOSED:
                break
        await pilot.pause(0.3)
        app.save_screenshot(filename=target.name, path=str(target.parent))


def main() -> None:
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        payloads = Path(tmp) / "payloads.jsonl"
        write_payloads(payloads)
        asyncio.run(monitor(payloads, OUT / "monitor.svg"))
    print(f"wrote {OUT / 'monitor.svg'}")


if __name__ == "__main__":
    main()
