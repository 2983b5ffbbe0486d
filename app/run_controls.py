"""The keys that choose, copy and remove runs, and that say which runs the other keys change.

A mixin of ``NntermApp``: it reads the app's ``snapshot`` and ``all_runs`` and talks to the
engine through ``send``. With ``all_runs`` the setting keys change every run, each one step
from its own value (three learning rates stay three learning rates); otherwise only the
selected run, the one the detail panels show. Keys act on ``runs_state``: the runs as they
will be once the engine has taken every command already sent, so that quick keys add up.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nnterm.app import model_edits
from nnterm.app.widgets.architecture import EditOutcome
from nnterm.app.widgets.run_table import RunTable
from nnterm.app.widgets.status_line import StatusLine
from nnterm.engine.live import run_commands as rc
from nnterm.engine.live.expectation import Expectation, RunsState, RunState
from nnterm.engine.live.run_set import MAX_RUNS, free_name
from nnterm.engine.live.snapshot import Snapshot
from nnterm.engine.training import commands as cmd
from nnterm.engine.training.config import Config, with_changes


class RunControls:
    """Run selection, the one/all-runs scope, copying and removing runs, and the edits of
    the selected run's layers."""

    snapshot: Snapshot | None  # the newest snapshot (the app's)
    all_runs: bool  # the setting keys change every run (False: the selected one)
    status_line: StatusLine  # the app's, kept from mount on (no query while unmounting)
    expectation: Expectation  # the commands sent that no snapshot reflects yet (the app's)

    @property
    def runs_state(self) -> RunsState | None:
        """The runs as the keys act on them: the newest snapshot with every command sent
        since replayed on it (``live.expectation``), so that quick keys add up."""
        snapshot = self.snapshot
        return None if snapshot is None else self.expectation.state(snapshot)

    @property
    def run_names(self) -> tuple[str, ...]:
        state = self.runs_state
        return state.names if state else ()

    def _targets(self) -> list[RunState]:
        """Each run the keys change now."""
        state = self.runs_state
        if state is None:
            return []
        return list(state.runs) if self.all_runs else [state.current]

    def _change(self, control: Callable[[Config], dict[str, Any]]) -> None:
        """Each target run's settings changed by ``control`` from its own config."""
        targets = self._targets()
        if targets:
            self.send(rc.SetEach({run.name: control(run.config) for run in targets}))

    def edit_layer(self, name: str, layer: int) -> EditOutcome:
        """The architecture panel's edit ``name`` (``model_edits.EDITS``) of ``layer`` in
        the selected run, sent to the engine at once (``ArchitectureEditor``'s ``edit``)."""
        state = self.runs_state
        if state is None:
            return EditOutcome(None, layer, "no configuration yet")
        if self.refuse_locked_edit():
            return EditOutcome(None, layer)
        run = state.current
        try:
            edit = model_edits.EDITS[name](run.config.model, layer)
        except model_edits.EditRefused as refusal:
            return EditOutcome(None, layer, str(refusal))
        self.send(rc.ToRuns(cmd.Set(edit.changes), (run.name,)))
        self.notify(edit.note, title="Architecture", timeout=3)
        return EditOutcome(with_changes(run.config, edit.changes), edit.select)

    def _to_targets(self, command: cmd.Command) -> None:
        """``command`` to every run, or to the selected one."""
        state = self.runs_state
        if self.all_runs or state is None:
            self.send(command)
        else:
            self.send(rc.ToRuns(command, (state.selected,)))

    def _update_scope(self) -> None:
        """Tell the status line which runs the keys change."""
        snapshot = self.snapshot
        names = self.run_names
        if len(names) <= 1:
            scope = ""
        elif self.all_runs:
            scope = f"keys → all {len(names)} runs"
        else:
            scope = f"keys → {snapshot.run} only"
        self.status_line.set_scope(scope)

    def action_select_run(self, direction: int) -> None:
        state = self.runs_state
        if state is not None and len(state.names) > 1:
            at = state.names.index(state.selected)
            self.send(rc.SelectRun(state.names[(at + direction) % len(state.names)]))

    def action_select_run_number(self, number: int) -> None:
        names = self.run_names
        if number <= len(names):
            self.send(rc.SelectRun(names[number - 1]))
        elif names:
            self.notify(f"there are {len(names)} runs", timeout=2)

    def action_scope(self) -> None:
        self.all_runs = not self.all_runs
        self._update_scope()
        who = "every run" if self.all_runs else "the selected run only"
        self.notify(f"keys now change {who}", title="Runs", timeout=2)

    def action_duplicate_run(self) -> None:
        state = self.runs_state
        if state is None:
            return
        if len(state.names) >= MAX_RUNS:
            self.notify(f"at most {MAX_RUNS} runs: remove one first (x)", timeout=3)
            return
        name = free_name(state.names, f"{state.selected}+")
        self.send(rc.DuplicateRun(state.selected, name))
        self.query_one(RunTable).display = True
        self.all_runs = False  # "what if I change just this?": the keys now change the copy
        self.notify(f"{name} copies {state.selected}; keys now change {name} only (g: all)",
                    title="Runs", timeout=4)

    def action_remove_run(self) -> None:
        state = self.runs_state
        if state is None:
            return
        if len(state.names) <= 1:
            self.notify("the last run cannot be removed", timeout=3)
            return
        self.send(rc.RemoveRun(state.selected))
