"""LessonPanel: the preset's title, section, guided steps (if any) and lesson text,
scrollable."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Markdown, Static

from nnterm.app.widgets.step_panel import StepPanel


class LessonPanel(VerticalScroll, can_focus=True):
    """The lesson of the running preset as Markdown; the app shows or hides it."""

    ALLOW_MAXIMIZE = True  # (scrolling containers refuse it by default: z zooms it too)

    DEFAULT_CSS = """
    LessonPanel {
        width: 1fr;
        height: 1fr;
        padding: 0 1;
        scrollbar-size-vertical: 1;
    }
    LessonPanel > #lesson-title {
        text-style: bold;
        color: $accent;
    }
    LessonPanel > #lesson-section {
        color: $text-muted;
        margin-bottom: 1;
    }
    LessonPanel > Markdown {
        margin: 0;
        padding: 0;
    }
    """

    def __init__(
        self,
        title: str = "",
        section: str = "",
        lesson: str = "",
        *,
        name: str | None = None,
        id: str | None = None,  # noqa: A002 - Textual's name
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._title, self._section, self._lesson = title, section, lesson

    @property
    def lesson(self) -> tuple[str, str, str]:
        """(title, section, lesson text) as shown."""
        return self._title, self._section, self._lesson

    def compose(self) -> ComposeResult:
        yield Static(self._title, id="lesson-title", markup=False)
        yield Static(self._section, id="lesson-section", markup=False)
        yield StepPanel(id="steps")
        yield Markdown(self._lesson or "_No lesson text for this preset._")

    def set_lesson(self, title: str, section: str, lesson: str) -> None:
        """Show another lesson (scrolls back to the top); nothing happens if it is the same."""
        if (title, section, lesson) == self.lesson:
            return
        self._title, self._section, self._lesson = title, section, lesson
        if not self.is_mounted:
            return
        self.query_one("#lesson-title", Static).update(title)
        self.query_one("#lesson-section", Static).update(section)
        self.query_one(Markdown).update(lesson or "_No lesson text for this preset._")
        self.scroll_home(animate=False)

    def set_preset(self, preset: Any) -> None:
        """Show ``preset``'s title, section and lesson (a ``preset_format.preset.Preset``)."""
        self.set_lesson(preset.title, preset.section, preset.lesson)
