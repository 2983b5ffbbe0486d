"""The keys that act on runs: which runs the keys change, the setting keys' changes, pause
and step, choosing, copying and removing runs, and the edits of a run's layers.

``RunControls`` belongs to the main view, which gives it a ``RunsHost``. With ``all_runs``
the keys change every run, each one step from its own value (three learning rates stay
three learning rates); otherwise only the selected run, the one the detail panels show.
Keys act on ``runs_state``: the runs as they will be once the engine has taken every
command already sent (``live.expectation``), so that quick keys add up.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from nnterm.app import model_edits
from nnterm.app.widgets.architecture import EditOutcome
from nnterm.engine.live import run_commands as rc
from nnterm.engine.live.expectation import RunsState, RunState
from nnterm.engine.live.run_set import MAX_RUNS, free_name
from nnterm.engine.preset_format.preset import Preset
from nnterm.engine.training import commands as cmd
from nnterm.engine.training.config import Config, with_changes


class RunsHost(Protocol):
    """What the run keys need of the view they act in."""

    @property
    def runs_state(self) -> RunsState | None:
        """The runs as the engine will have them (None before the first snapshot)."""

    @property
    def preset(self) -> Preset | None:
        """The lesson training."""

    def send(self, command: rc.LiveCommand) -> None:
        """To the engine."""

    def notify(self, message: str, *, title: str = "", timeout: float | None = None) -> None:
        """Say what a key did, or why it did nothing."""


class RunControls:
    """The run keys' state (``all_runs``) and what they send."""

    def __init__(self, host: RunsHost) -> None:
        self.host = host
        self.all_runs = True  # the keys change every run (False: the selected one)

    @property
    def run_names(self) -> tuple[str, ...]:
        state = self.host.runs_state
        return state.names if state else ()

    def targets(self) -> list[RunState]:
        """Each run the keys change now."""
        state = self.host.runs_state
        if state is None:
            return []
        return list(state.runs) if self.all_runs else [state.current]

    def change(self, control: Callable[[Config], dict[str, Any]]) -> None:
        """Each target run's settings changed by ``control`` from its own config."""
        targets = self.targets()
        if targets:
            self.host.send(rc.SetEach({run.name: control(run.config) for run in targets}))

    def to_targets(self, command: cmd.Command) -> None:
        """``command`` to every run, or to the selected one."""
        state = self.host.runs_state
        if self.all_runs or state is None:
            self.host.send(command)
        else:
            self.host.send(rc.ToRuns(command, (state.selected,)))

    def scope(self, shown: str) -> str:
        """Which runs the keys change, for the status line beside ``shown`` (the run the
        panels show); "" with one run."""
        names = self.run_names
        if len(names) <= 1:
            return ""
        if self.all_runs:
            return f"keys → all {len(names)} runs"
        return f"keys → {shown} only"

    def toggle_pause(self) -> None:
        """Pause the target runs if any of them is training, else resume them; finished
        runs train on for as many steps again as the preset asked for."""
        runs = self.targets()
        if not runs:
            return
        if all(v.status == "finished" for v in runs):
            preset = self.host.preset
            assert preset is not None, "there are runs: a lesson is open"
            steps = preset.config.train.steps
            self.change(lambda config: {"train.steps": config.train.steps + steps})
            self.to_targets(cmd.Resume())
            self.host.notify(f"training on for {steps:,} more steps", timeout=2)
            return
        running = any(v.status == "training" and not v.paused for v in runs)
        self.to_targets(cmd.Pause() if running else cmd.Resume())

    def edit_layer(self, name: str, layer: int) -> EditOutcome:
        """The architecture panel's edit ``name`` (``model_edits.EDITS``) of ``layer`` in
        the selected run, sent to the engine at once."""
        state = self.host.runs_state
        if state is None:
            return EditOutcome(None, layer, "no configuration yet")
        run = state.current
        try:
            edit = model_edits.EDITS[name](run.config.model, layer)
        except model_edits.EditRefused as refusal:
            return EditOutcome(None, layer, str(refusal))
        self.host.send(rc.ToRuns(cmd.Set(edit.changes), (run.name,)))
        self.host.notify(edit.note, title="Architecture", timeout=3)
        return EditOutcome(with_changes(run.config, edit.changes), edit.select)

    def select_run(self, direction: int) -> None:
        state = self.host.runs_state
        if state is not None and len(state.names) > 1:
            at = state.names.index(state.selected)
            self.host.send(rc.SelectRun(state.names[(at + direction) % len(state.names)]))

    def select_run_number(self, number: int) -> None:
        names = self.run_names
        if number <= len(names):
            self.host.send(rc.SelectRun(names[number - 1]))
        elif names:
            self.host.notify(f"there are {len(names)} runs", timeout=2)

    def toggle_scope(self) -> None:
        self.all_runs = not self.all_runs
        who = "every run" if self.all_runs else "the selected run only"
        self.host.notify(f"keys now change {who}", title="Runs", timeout=2)

    def duplicate_run(self) -> bool:
        """Copy the selected run; the keys then change the copy alone. True if copied."""
        state = self.host.runs_state
        if state is None:
            return False
        if len(state.names) >= MAX_RUNS:
            self.host.notify(f"at most {MAX_RUNS} runs: remove one first (x)", timeout=3)
            return False
        name = free_name(state.names, f"{state.selected}+")
        self.host.send(rc.DuplicateRun(state.selected, name))
        self.all_runs = False  # "what if I change just this?": the keys now change the copy
        self.host.notify(f"{name} copies {state.selected}; keys now change {name} only "
                         "(g: all)", title="Runs", timeout=4)
        return True

    def remove_run(self) -> None:
        state = self.host.runs_state
        if state is None:
            return
        if len(state.names) <= 1:
            self.host.notify("the last run cannot be removed", timeout=3)
            return
        self.host.send(rc.RemoveRun(state.selected))
