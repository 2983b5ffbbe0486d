"""StepPanel: a guided lesson's current step, its claim's state and every step's mark.

It draws what it is shown (``show``): where a student is in the steps, in the shape of
``StepsShown``, which the app's ``lesson_steps.LessonSteps`` has; until then it is hidden.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from rich.text import Text
from textual.widgets import Static

from nnterm.engine.claims.check import check_claim
from nnterm.engine.experiments.experiment import ExperimentResult
from nnterm.engine.preset_format.preset import Step

#: The step keys, as the panel names them (``keys.APP_BINDINGS``).
NEXT_KEY, BACK_KEY = "N", "P"


def claim_words(step: Step) -> str:
    """The step's claim in words: its ``seen`` text, else the evaluator's description."""
    if step.seen:
        return step.seen
    assert step.claim is not None, "only a step with a claim has claim words"
    empty = ExperimentResult(preset="", seed=0, runs={})
    return check_claim(step.claim, empty).description


class StepsShown(Protocol):
    """A preset's ``steps``, the ``current`` one (-1: not begun) and its ``step``, the
    furthest ``reached`` and the indices of those whose claim was ``seen``."""

    @property
    def steps(self) -> Sequence[Step]: ...
    @property
    def current(self) -> int: ...
    @property
    def reached(self) -> int: ...
    @property
    def seen(self) -> set[int]: ...
    @property
    def step(self) -> Step | None: ...


class StepPanel(Static):
    """Draws the steps it is shown; hidden when there are none (and until shown)."""

    DEFAULT_CSS = """
    StepPanel { height: auto; margin-bottom: 1; }
    StepPanel.-empty { display: none; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.add_class("-empty")

    def show(self, steps: StepsShown) -> None:
        # (a class, not ``display``: a layout's CSS may hide a panel that has steps)
        self.set_class(not steps.steps, "-empty")
        self.set_class(steps.step is not None, "-begun")  # (a line before: the hint)
        if steps.steps:
            self.update(render_steps(steps))


def render_steps(steps: StepsShown) -> Text:
    """``Step 2/5``, the step's text, ``✓ seen: ...`` or ``○ watch for: ...`` and a line
    of marks (▸ current, ✓ done, ○ its claim not seen yet, · ahead); before the first
    step, how to begin."""
    n = len(steps.steps)
    text = Text()
    if steps.step is None:
        text.append(f"{n} guided steps: press {NEXT_KEY} to begin", style="bold")
        text.append(" (or open the lesson with --lesson)", style="dim")
        return text
    text.append(f"Step {steps.current + 1}/{n}", style="bold reverse")
    text.append(f"  {NEXT_KEY}: next step, {BACK_KEY}: back\n", style="dim")
    text.append(steps.step.text.strip())
    if steps.step.claim is not None:
        if steps.current in steps.seen:
            text.append(f"\n✓ seen: {claim_words(steps.step)}", style="bold green")
        else:
            text.append(f"\n○ watch for: {claim_words(steps.step)}", style="yellow")
    marks = []
    for i in range(n):
        open_claim = steps.steps[i].claim is not None and i not in steps.seen
        mark = ("▸" if i == steps.current else "·" if i > steps.reached
                else "○" if open_claim else "✓")
        marks.append(f"{i + 1}{mark}")
    text.append("\n" + " ".join(marks), style="dim")
    return text
