"""An `Input` whose editing keys act in the order they were typed."""

from __future__ import annotations

from textual import events
from textual.widgets import Input

__all__ = ["LineInput"]


class LineInput(Input):
    """`Input`, with its own bindings (ctrl+u, backspace, home, ...) run as the key arrives.

    Textual runs a widget's bindings once the key has bubbled up to the app, while the
    printable keys typed after it are inserted at once: "ctrl+u then text" typed fast (a
    paste of keys, a slow ssh link) lost the text, and "abc, backspace, xyz" gave "abcxy".
    """

    async def _on_key(self, event: events.Key) -> None:
        if not event.is_printable:
            bindings = self._bindings.key_to_bindings.get(event.key)
            if bindings:
                event.stop()
                event.prevent_default()
                self._restart_blink()
                await self.run_action(bindings[0].action)
                return
        await super()._on_key(event)
