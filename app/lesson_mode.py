"""Guided lessons: where a student is in the open preset's steps, what entering a step
does, and the live "✓ seen" of each step's claim.

``LessonMode`` belongs to the main view, which gives it a ``LessonHost``: where commands
go, where notices are said, where the steps are drawn. The sweep view is handed the same
object (its step keys and verdicts move the same steps). When a preset opens, its steps go
into a ``LessonSteps`` (at step 1 with ``--lesson``, else before it, with a hint) and
their claims to the engine (``run_commands.WatchClaims``), which judges them on the runs
at every snapshot; over a sweep, the sweep view judges them as its points finish.
Entering a step applies its ``set`` as the architecture panel's edits are applied: a
``training.commands.Set`` to the step's run, or to every run.

Entering a step with a question holds the runs (started over, if the step says
``reset``) and asks it (``LessonHost.ask``); the answer lets them play. Who holds and
plays them is the ``player``: the main view, or the sweep view while it is open. Once the
step's claim settles the prediction, it is said, with the question's ``why``; each answer
goes to the answers file (``answers_file``) as soon as whether it held is known.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from nnterm.app.answers_file import Answer, AnswersFile
from nnterm.app.lesson_steps import LessonSteps
from nnterm.app.widgets.step_panel import claim_words, settled_words
from nnterm.engine.live import run_commands as rc
from nnterm.engine.preset_format.preset import Preset, Question, Step
from nnterm.engine.training import commands as cmd

#: The actions of the step keys (hidden for a preset without steps).
STEP_ACTIONS = ("next_step", "previous_step")


class RunsPlayer(Protocol):
    """Holds the runs while a question waits for its answer, and plays them after."""

    def hold(self, reset: bool) -> None:
        """Stop the runs where they are, or, with ``reset``, at step 0 again."""

    def play(self) -> None:
        """Let the runs train (again)."""


class LessonHost(RunsPlayer, Protocol):
    """What the steps need of the view that owns them (it holds and plays the runs,
    unless another ``player`` is given)."""

    def send(self, command: rc.LiveCommand) -> None:
        """To the runs training now (nothing without any)."""

    def notify(self, message: str, *, title: str = "", timeout: float | None = None) -> None:
        """Say ``message`` (a claim seen, the last step reached)."""

    def show_steps(self, steps: LessonSteps) -> None:
        """Draw ``steps`` in every step panel on screen."""

    def ask(self, question: Question, step: int, then: Callable[[str], None]) -> None:
        """Ask ``question`` (of step number ``step``); ``then`` gets the chosen key."""


class LessonMode:
    """The step keys' state and what they do."""

    def __init__(self, host: LessonHost, *, started: bool = False,
                 answers: AnswersFile | None = None) -> None:
        """``started`` (``--lesson``): a preset opens at its first step; ``answers``:
        where each answer is written (None: nowhere)."""
        self.host = host
        self.started = started
        self.answers = answers
        #: who holds and plays the runs for a question (None: the host, the main view)
        self.player: RunsPlayer | None = None
        self.preset_name = ""
        self._asked_at = 0.0
        #: the seconds each question took to answer (by step index)
        self._took: dict[int, float] = {}
        self.steps = LessonSteps()
        #: the sweep view's last verdicts: they change only as points finish, so a step
        #: entered after that is judged on them (a sweep's steps change no setting)
        self.sweep_verdicts: tuple[bool | None, ...] = ()
        #: each run's step at the last verdicts (a step that went back: the run started over)
        self._run_steps: dict[str, int] = {}

    @property
    def has_steps(self) -> bool:
        """Whether the step keys do anything (``check_action`` hides them if not)."""
        return bool(self.steps.steps)

    def open(self, preset: Preset, *, watch: bool) -> None:
        """Take ``preset``'s steps (entering the first in lesson mode); ``watch``: have
        the engine judge their claims (a sweep's view judges its own)."""
        self.steps = LessonSteps(preset.steps, started=self.started)
        self.preset_name = preset.name
        self.sweep_verdicts, self._run_steps, self._took = (), {}, {}
        if watch:
            self.rewatch()
        if self.steps.step is not None:
            self._apply(self.steps.step)
        self.host.show_steps(self.steps)

    def rewatch(self) -> None:
        """Have the engine judge the claims (again, after a restart: it forgot them)."""
        if self.steps.claims:
            self.host.send(rc.WatchClaims(self.steps.claims))

    def forget_seen(self) -> None:
        """The sweep runs again: each step's claim is to be watched for again."""
        self.sweep_verdicts = ()
        if self.steps.forget_seen():
            self.host.show_steps(self.steps)

    def next(self) -> None:
        """Enter the next step (and make its change)."""
        step = self.steps.advance()
        if step is None:
            self.host.notify("that was the last step", title="Lesson", timeout=3)
            return
        self._apply(step)
        self.host.show_steps(self.steps)
        self.judge(self.sweep_verdicts)

    def previous(self) -> None:
        """Show the previous step again."""
        if self.steps.back():
            self.host.show_steps(self.steps)

    def _apply(self, step: Step) -> None:
        """Make the step's change; ask its question, the runs held, if still open."""
        if step.changes:
            change = cmd.Set(dict(step.changes))
            self.host.send(change if step.run is None else rc.ToRuns(change, (step.run,)))
        question = self.steps.asking
        if question is not None:
            self._player.hold(question.reset)
            self._asked_at = time.monotonic()
            self.host.ask(question, self.steps.current + 1, self.answer)

    @property
    def _player(self) -> RunsPlayer:
        return self.player if self.player is not None else self.host

    def answer(self, key: str) -> None:
        """The open question answered with ``key``: the runs play; with a right choice
        known, the answer is written now, else once its claim settles it."""
        index = self.steps.current
        self._took[index] = round(time.monotonic() - self._asked_at, 2)
        self.steps.answer(key)
        self._player.play()
        self.host.show_steps(self.steps)
        question = self.steps.steps[index].question
        assert question is not None, "the step asked it"
        if question.answer is not None:
            self._write(index, key == question.answer)

    def _write(self, index: int, correct: bool) -> None:
        if self.answers is None:
            return
        question = self.steps.steps[index].question
        assert question is not None, "only a question's answer is written"
        try:
            self.answers.append(Answer(self.preset_name, index + 1, question.text,
                                       self.steps.answers[index], correct,
                                       self._took[index]))
        except OSError as err:  # the answer is shown all the same
            self.host.notify(f"the answer could not be written to {self.answers.path}: "
                             f"{err.strerror}", title="Answers", timeout=6)

    def judge_sweep(self, verdicts: tuple[bool | None, ...], finished: bool = False) -> None:
        """The sweep view's verdicts, kept for the steps entered later; ``finished``:
        every point is done."""
        self.sweep_verdicts = verdicts
        self.judge(verdicts, finished=finished)

    def judge(self, verdicts: tuple[bool | None, ...],
              run_steps: dict[str, int] | None = None, *, finished: bool = False) -> None:
        """The engine's (or the sweep's) verdicts on the claims: newly seen ones show.
        ``run_steps``: each run's step, from the engine; a run whose step went back
        started over (reset, reseed), so what was seen is judged afresh: a claim that no
        longer holds is to be watched for again (one still true stays seen, unannounced).
        ``finished``: no run will step again, so a prediction whose claim was not seen is
        settled all the same."""
        steps = self.steps
        before = set(steps.seen)
        restarted = run_steps is not None and any(
            step < self._run_steps.get(name, 0) for name, step in run_steps.items())
        if run_steps is not None:
            self._run_steps = run_steps
        if restarted:
            steps.forget_seen()
        steps.judge(verdicts)
        seen = steps.seen - before
        settled = steps.settle(finished)
        if seen or settled or restarted:
            self.host.show_steps(steps)
        for i in sorted(seen - set(settled)):
            self.host.notify(f"✓ seen: {claim_words(steps.steps[i])}",
                             title=f"Step {i + 1}", timeout=4)
        for i in settled:
            self.host.notify(settled_words(steps, i), title=f"Step {i + 1}", timeout=8)
            question = steps.steps[i].question
            if question is not None and question.answer is None:
                self._write(i, steps.held[i])
