"""Keys typed into a prompt faster than they are handled (a paste of keys, a slow link) act
in the order they were typed, editing keys included."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import events
from textual.widgets import Input

from evtui.ui.screens.prompt import PromptScreen
from tests.ui.test_app import file_app, loaded


def key(name: str) -> events.Key:
    """The event a terminal sends for `name`: a character of its own, or a control key."""
    control = {"ctrl+u": "\x15", "ctrl+w": "\x17", "ctrl+k": "\x0b", "backspace": "\x7f"}
    if len(name) == 1:
        return events.Key(name, name)
    return events.Key(name, control.get(name))


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        (["b", "e", "r", "ctrl+u", "m", "u"], "mu"),
        (["a", "b", "c", "backspace", "x", "y", "z"], "abxyz"),
        (["a", "b", " ", "c", "d", "ctrl+w", "x"], "ab x"),
        (["a", "b", "c", "home", "ctrl+k", "x", "y"], "xy"),
    ],
)
async def test_editing_keys_typed_ahead_act_in_the_order_typed(
    tmp_path: Path, typed: list[str], shown: str
) -> None:
    app = file_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot)
        await pilot.press("slash")
        await pilot.pause(0.1)
        assert isinstance(app.screen, PromptScreen)
        field = app.screen.query_one(Input)
        field.value = ""
        # All at once, as the terminal's reader posts a burst of keys.
        for name in typed:
            app.post_message(key(name))
        await pilot.pause(0.3)
        assert field.value == shown
