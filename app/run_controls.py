"""The keys that choose, copy and remove runs, and that say which runs the other keys change.

A mixin of ``NntermApp``: it reads the app's ``snapshot`` and ``all_runs`` and talks to the
engine through ``send``. With ``all_runs`` the setting keys change every run, each one step
from its own value (three learning rates stay three learning rates); otherwise only the
selected run, the one the detail panels show.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nnterm.app.widgets.run_table import RunTable
from nnterm.app.widgets.status_line import StatusLine
from nnterm.engine.live import run_commands as rc
from nnterm.engine.live.run_set import MAX_RUNS, free_name
from nnterm.engine.live.snapshot import Snapshot
from nnterm.engine.training import commands as cmd
from nnterm.engine.training.config import Config


class RunControls:
    """Run selection, the one/all-runs scope, copying and removing runs."""

    snapshot: Snapshot | None  # the newest snapshot (the app's)
    all_runs: bool  # the setting keys change every run (False: the selected one)
    status_line: StatusLine  # the app's, kept from mount on (no query while unmounting)

    @property
    def run_names(self) -> tuple[str, ...]:
        snapshot = self.snapshot
        return tuple(v.name for v in snapshot.runs) if snapshot else ()

    def _targets(self) -> list[tuple[str, Config]]:
        """(run, its config) for each run the keys change now."""
        snapshot = self.snapshot
        if snapshot is None:
            return []
        if self.all_runs and snapshot.runs:
            return [(v.name, v.config) for v in snapshot.runs]
        return [(snapshot.run, snapshot.config)]

    def _change(self, control: Callable[[Config], dict[str, Any]]) -> None:
        """Each target run's settings changed by ``control`` from its own config."""
        targets = self._targets()
        if targets:
            self.send(rc.SetEach({name: control(config) for name, config in targets}))

    def _to_targets(self, command: cmd.Command) -> None:
        """``command`` to every run, or to the selected one."""
        if self.all_runs or self.snapshot is None:
            self.send(command)
        else:
            self.send(rc.ToRuns(command, (self.snapshot.run,)))

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
        names = self.run_names
        if len(names) > 1:
            at = names.index(self.snapshot.run) if self.snapshot.run in names else 0
            self.send(rc.SelectRun(names[(at + direction) % len(names)]))

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
        snapshot = self.snapshot
        if snapshot is None:
            return
        if len(self.run_names) >= MAX_RUNS:
            self.notify(f"at most {MAX_RUNS} runs: remove one first (x)", timeout=3)
            return
        name = free_name(self.run_names, f"{snapshot.run}+")
        self.send(rc.DuplicateRun(snapshot.run, name))
        self.query_one(RunTable).display = True
        self.all_runs = False  # "what if I change just this?": the keys now change the copy
        self.notify(f"{name} copies {snapshot.run}; keys now change {name} only (g: all)",
                    title="Runs", timeout=4)

    def action_remove_run(self) -> None:
        snapshot = self.snapshot
        if snapshot is None:
            return
        if len(self.run_names) <= 1:
            self.notify("the last run cannot be removed", timeout=3)
            return
        self.send(rc.RemoveRun(snapshot.run))
