"""QuestionScreen: a guided step's prediction, asked before its runs play.

A modal at the foot of the screen, over the panels it leaves in sight: the question, its
choices, and the footer with one key per choice and ``enter``. A choice key marks a
choice (pressing another changes the mind); ``enter`` answers with the marked one and the
screen closes with its key, the runs then play. While it is open the app's other keys
do nothing: the runs stay held until the student has answered.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.screen import ModalScreen
from textual.widgets import Static

from nnterm.app.newest_size import NewestSize
from nnterm.app.widgets.keys_footer import KeysFooter
from nnterm.engine.preset_format.preset import Question

#: The most characters of a choice's words the footer shows.
FOOTER_WORDS = 16


class QuestionScreen(NewestSize, ModalScreen[str]):
    """Asks ``question``; dismissed with the chosen key once ``enter`` confirms it."""

    DEFAULT_CSS = """
    QuestionScreen { align: center bottom; background: $background 20%; }
    QuestionScreen > #question {
        width: 100%; height: auto; max-height: 60%; overflow-y: auto;
        border: round $warning; background: $panel; padding: 0 1; margin-bottom: 1;
    }
    QuestionScreen > KeysFooter { dock: bottom; }
    """

    def __init__(self, question: Question, step: int) -> None:
        """``step``: its number in the lesson (1-based), for the title."""
        super().__init__()
        self.question = question
        self.step = step
        self.marked: str | None = None
        # each question has its own keys, so they are bound per screen (Textual keeps a
        # node's bindings in ``_bindings``, built from the class's BINDINGS)
        # enter first, and the choices' words cut short: the footer drops the keys that
        # do not fit (the box above lists every choice whole)
        self._bindings.bind("enter", "confirm", "Answer, then watch", key_display="⏎")
        for key, words in question.choices:
            short = words if len(words) <= FOOTER_WORDS else words[:FOOTER_WORDS - 1] + "…"
            self._bindings.bind(key, f"mark('{key}')", short)

    def compose(self) -> ComposeResult:
        box = Static(self._text(), id="question")
        box.border_title = f"Step {self.step}: predict, then watch"
        yield box
        yield KeysFooter(compact=True)

    def _text(self) -> Text:
        text = Text(self.question.text.strip() + "\n", style="bold")
        for key, words in self.question.choices:
            marked = key == self.marked
            text.append(f"\n{'▸' if marked else ' '} {key}  {words}",
                        style="bold reverse" if marked else "")
        hint = ("enter: answer and watch the runs (you can change your mind until then)"
                if self.marked else "press a choice's key; the runs wait for your answer")
        text.append(f"\n\n{hint}", style="dim")
        return text

    def action_mark(self, key: str) -> None:
        """Mark choice ``key`` (the mind may change until ``enter``)."""
        self.marked = key
        self.query_one("#question", Static).update(self._text())

    def action_confirm(self) -> None:
        """Answer with the marked choice; without one, say how to choose."""
        if self.marked is None:
            self.notify("press a choice's key first", timeout=2)
            return
        self.dismiss(self.marked)
