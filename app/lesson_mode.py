"""Guided lessons: the step keys (``N`` next, ``P`` back), the step panels and the live
"✓ seen" of each step's claim.

A mixin of ``NntermApp``. When a preset opens, its steps go into a ``LessonSteps`` (at
step 1 with ``--lesson``, else before it, with a hint) and their claims to the engine
(``run_commands.WatchClaims``), which judges them on the runs at every snapshot; over a
sweep, the sweep view judges them as its points finish. Entering a step applies its
``set`` as the architecture panel's edits are applied: a ``training.commands.Set`` to the
step's run, or to every run.
"""

from __future__ import annotations

from nnterm.app.lesson_steps import LessonSteps
from nnterm.app.widgets.step_panel import StepPanel, claim_words
from nnterm.engine.lessons.preset import Preset, Step
from nnterm.engine.live import run_commands as rc
from nnterm.engine.training import commands as cmd

#: The actions of the step keys (hidden for a preset without steps).
STEP_ACTIONS = ("next_step", "previous_step")


class LessonMode:
    """The step keys and what they show."""

    lesson_mode: bool = False  # --lesson: a preset opens at its first step
    lesson_steps: LessonSteps = LessonSteps()
    #: the sweep view's last verdicts: they change only as points finish, so a step
    #: entered after that is judged on them (a sweep's steps change no setting)
    sweep_verdicts: tuple[bool | None, ...] = ()
    #: each run's step at the last verdicts (a step that went back: the run started over)
    _run_steps: dict[str, int] = {}

    def open_steps(self, preset: Preset, *, watch: bool) -> None:
        """Take ``preset``'s steps (entering the first in lesson mode); ``watch``: have
        the engine judge their claims (a sweep's view judges its own)."""
        self.lesson_steps = LessonSteps(preset.steps, started=self.lesson_mode)
        self.sweep_verdicts, self._run_steps = (), {}
        if watch and self.lesson_steps.claims:
            self.send(rc.WatchClaims(self.lesson_steps.claims))
        if self.lesson_steps.step is not None:
            self._apply_step(self.lesson_steps.step)
        self.refresh_bindings()
        self.show_steps()

    def rewatch_steps(self) -> None:
        """Judge the claims again (a restarted engine forgot them)."""
        if self.lesson_steps.claims:
            self.send(rc.WatchClaims(self.lesson_steps.claims))

    def forget_seen_steps(self) -> None:
        """The sweep runs again: each step's claim is to be watched for again."""
        self.sweep_verdicts = ()
        if self.lesson_steps.forget_seen():
            self.show_steps()

    def action_next_step(self) -> None:
        step = self.lesson_steps.advance()
        if step is None:
            self.notify("that was the last step", title="Lesson", timeout=3)
            return
        self._apply_step(step)
        self.show_steps()
        self.judge_steps(self.sweep_verdicts)

    def action_previous_step(self) -> None:
        if self.lesson_steps.back():
            self.show_steps()

    def _apply_step(self, step: Step) -> None:
        if step.changes:
            change = cmd.Set(dict(step.changes))
            self.send(change if step.run is None else rc.ToRuns(change, (step.run,)))

    def judge_steps(self, verdicts: tuple[bool | None, ...],
                    run_steps: dict[str, int] | None = None) -> None:
        """The engine's (or the sweep's) verdicts on the claims: newly seen ones show.
        ``run_steps``: each run's step, from the engine; a run whose step went back
        started over (reset, reseed), so what was seen is judged afresh: a claim that no
        longer holds is to be watched for again (one still true stays seen, unannounced)."""
        steps = self.lesson_steps
        before = set(steps.seen)
        restarted = run_steps is not None and any(
            step < self._run_steps.get(name, 0) for name, step in run_steps.items())
        if run_steps is not None:
            self._run_steps = run_steps
        if restarted:
            steps.forget_seen()
        if steps.judge(verdicts) or restarted:
            self.show_steps()
            for i in sorted(steps.seen - before):
                self.notify(f"✓ seen: {claim_words(steps.steps[i])}", title=f"Step {i + 1}",
                            timeout=4)

    def show_steps(self) -> None:
        """Draw the steps in every step panel (the lesson's, and the sweep view's)."""
        for screen in self.screen_stack:
            for panel in screen.query(StepPanel):
                panel.show(self.lesson_steps)
