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
"""

from __future__ import annotations

from typing import Protocol

from nnterm.app.lesson_steps import LessonSteps
from nnterm.app.widgets.step_panel import claim_words
from nnterm.engine.live import run_commands as rc
from nnterm.engine.preset_format.preset import Preset, Step
from nnterm.engine.training import commands as cmd

#: The actions of the step keys (hidden for a preset without steps).
STEP_ACTIONS = ("next_step", "previous_step")


class LessonHost(Protocol):
    """What the steps need of the view that owns them."""

    def send(self, command: rc.LiveCommand) -> None:
        """To the runs training now (nothing without any)."""

    def notify(self, message: str, *, title: str = "", timeout: float | None = None) -> None:
        """Say ``message`` (a claim seen, the last step reached)."""

    def show_steps(self, steps: LessonSteps) -> None:
        """Draw ``steps`` in every step panel on screen."""


class LessonMode:
    """The step keys' state and what they do."""

    def __init__(self, host: LessonHost, *, started: bool = False) -> None:
        """``started`` (``--lesson``): a preset opens at its first step."""
        self.host = host
        self.started = started
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
        self.sweep_verdicts, self._run_steps = (), {}
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
        if step.changes:
            change = cmd.Set(dict(step.changes))
            self.host.send(change if step.run is None else rc.ToRuns(change, (step.run,)))

    def judge_sweep(self, verdicts: tuple[bool | None, ...]) -> None:
        """The sweep view's verdicts, kept for the steps entered later."""
        self.sweep_verdicts = verdicts
        self.judge(verdicts)

    def judge(self, verdicts: tuple[bool | None, ...],
              run_steps: dict[str, int] | None = None) -> None:
        """The engine's (or the sweep's) verdicts on the claims: newly seen ones show.
        ``run_steps``: each run's step, from the engine; a run whose step went back
        started over (reset, reseed), so what was seen is judged afresh: a claim that no
        longer holds is to be watched for again (one still true stays seen, unannounced)."""
        steps = self.steps
        before = set(steps.seen)
        restarted = run_steps is not None and any(
            step < self._run_steps.get(name, 0) for name, step in run_steps.items())
        if run_steps is not None:
            self._run_steps = run_steps
        if restarted:
            steps.forget_seen()
        if steps.judge(verdicts) or restarted:
            self.host.show_steps(steps)
            for i in sorted(steps.seen - before):
                self.host.notify(f"✓ seen: {claim_words(steps.steps[i])}",
                                 title=f"Step {i + 1}", timeout=4)
