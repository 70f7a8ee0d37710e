"""The monitor app, driven headless with Pilot on a deterministic payload file."""

from __future__ import annotations

import json
from pathlib import Path

from evtui.here.events import ConnectionStatus
from evtui.sources import PayloadFileSource
from evtui.ui.app import EvtuiApp
from evtui.ui.widgets.counters import StatusCounters
from evtui.ui.widgets.event_log import EventLog
from evtui.ui.widgets.status_bar import StatusBar


def write_payloads(path: Path) -> None:
    lines = []
    statuses = ["AVAILABLE", "CHARGING", "AVAILABLE", "OUT_OF_ORDER"]
    for minute, status in enumerate(statuses):
        for evse in ("E1", "E2"):
            doc = {
                "id": "here:evcp:charginglocation:L1",
                "evses": [
                    {
                        "id": f"here:evcp:evse:{evse}",
                        "status": status,
                        "last_updated": f"2026-11-25T10:0{minute}:00Z",
                    }
                ],
            }
            lines.append(json.dumps(doc))
    lines.append("{broken")
    path.write_text("\n".join(lines) + "\n")


async def test_counts_changes_and_rejections_reach_the_screen(tmp_path: Path) -> None:
    path = tmp_path / "payloads.jsonl"
    write_payloads(path)
    app = EvtuiApp(PayloadFileSource(str(path)))
    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(50):
            await pilot.pause(0.05)
            if app.query_one(StatusBar).connection.status is ConnectionStatus.CLOSED:
                break
        await pilot.pause(0.2)
        counters = app.query_one(StatusCounters)
        assert dict(counters.counts) == {"AVAILABLE": 0, "CHARGING": 0, "OUT_OF_ORDER": 2}
        log = app.query_one(EventLog)
        # Two EVSEs, three changes each: AVAILABLE→CHARGING→AVAILABLE→OUT_OF_ORDER.
        assert len(log.lines) == 6
        assert "AVAILABLE → OUT_OF_ORDER" in log.lines[-1].text
        assert app.query_one(StatusBar).rejected == 1
        await pilot.press("q")
        await pilot.pause(0.1)
    assert app.return_code == 0
