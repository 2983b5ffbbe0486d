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
from nnterm.engine.preset_format.preset import Question, Step

#: The step keys, as the panel names them (``keys.APP_BINDINGS``).
NEXT_KEY, BACK_KEY = "N", "P"


def claim_words(step: Step) -> str:
    """The step's claim in words: its ``seen`` text, else the evaluator's description."""
    if step.seen:
        return step.seen
    assert step.claim is not None, "only a step with a claim has claim words"
    empty = ExperimentResult(preset="", seed=0, runs={})
    return check_claim(step.claim, empty).description


def right_key(question: Question, steps: StepsShown, index: int) -> str:
    """The choice that was right: the answer's key, or for a yes/no question whether its
    claim was seen."""
    return question.answer or ("y" if index in steps.seen else "n")


def settled_words(steps: StepsShown, index: int) -> str:
    """A settled prediction in one line: whether it held, and what was right."""
    question = steps.steps[index].question
    assert question is not None, "only a question's prediction is settled"
    right = right_key(question, steps, index)
    if steps.held[index]:
        return f"✓ your prediction held: {right}, {question.words(right)}"
    return f"✗ your prediction did not hold: the answer is {right}, {question.words(right)}"


class StepsShown(Protocol):
    """A preset's ``steps``, the ``current`` one (-1: not begun) and its ``step``, the
    furthest ``reached`` and the indices of those whose claim was ``seen``; the choice
    of each question ``answers``ed and whether each settled prediction ``held``."""

    @property
    def steps(self) -> Sequence[Step]: ...
    @property
    def current(self) -> int: ...
    @property
    def reached(self) -> int: ...
    @property
    def seen(self) -> set[int]: ...
    @property
    def answers(self) -> dict[int, str]: ...
    @property
    def held(self) -> dict[int, bool]: ...
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
    if steps.step.question is not None:
        if steps.step.text:
            text.append("\n")
        _question_lines(text, steps, steps.current, steps.step.question)
    elif steps.step.claim is not None:
        if steps.current in steps.seen:
            text.append(f"\n✓ seen: {claim_words(steps.step)}", style="bold green")
        else:
            text.append(f"\n○ watch for: {claim_words(steps.step)}", style="yellow")
    marks = []
    for i in range(n):
        open_claim = (steps.steps[i].claim is not None and i not in steps.seen
                      and i not in steps.held)
        mark = ("▸" if i == steps.current else "·" if i > steps.reached
                else "○" if open_claim else "✓")
        marks.append(f"{i + 1}{mark}")
    text.append("\n" + " ".join(marks), style="dim")
    return text


def _question_lines(text: Text, steps: StepsShown, index: int, question: Question) -> None:
    """The question; then the choice made, and once settled whether it held and why."""
    text.append(f"Predict: {question.text.strip()}", style="bold")
    choice = steps.answers.get(index)
    if choice is None:
        text.append("\n? answer the question: the runs wait for it", style="bold yellow")
        return
    text.append(f"\nyou chose {choice}, {question.words(choice)}")
    if index not in steps.held:
        assert steps.steps[index].claim is not None, "a question is settled by a claim"
        text.append(f"\n○ watch for: {claim_words(steps.steps[index])}", style="yellow")
        return
    style = "bold green" if steps.held[index] else "bold red"
    text.append(f"\n{settled_words(steps, index)}", style=style)
    text.append(f"\nwhy: {question.why.strip()}", style="italic")
