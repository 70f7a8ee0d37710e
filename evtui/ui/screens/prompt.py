"""A one-line question: the answer, or None if the user pressed escape."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from evtui.ui.frame_clock import TimelyFrames
from evtui.ui.widgets.line_input import LineInput


class PromptScreen(TimelyFrames, ModalScreen[str | None]):
    """Ask for one line of text; `enter` answers, `escape` cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="prompt_cancel"),
    ]
    DEFAULT_CSS = """
    PromptScreen { align: center middle; }
    PromptScreen > Vertical {
        width: 70; max-width: 95%; height: auto;
        border: round $primary; background: $surface; padding: 0 1;
    }
    PromptScreen .help { color: $text-muted; }
    """

    def __init__(
        self, title: str, *, value: str = "", placeholder: str = "", help: str = ""
    ) -> None:
        super().__init__()
        self._title = title
        self._value = value
        self._placeholder = placeholder
        self._help = help

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = Text(self._title)
            yield LineInput(value=self._value, placeholder=self._placeholder)
            if self._help:
                yield Static(Text(self._help), classes="help")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)
