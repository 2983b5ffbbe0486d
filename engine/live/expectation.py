"""What the runs will be once the engine has taken every command a UI sent.

A key must act on the state the previous key left, not on the last snapshot: four quick
``+`` are four rungs of the learning rate, even though the engine's next snapshot (which
reflects the first) arrives after the fourth key. So a UI keeps the commands it sent that
no snapshot reflects yet (``Expectation``) and, for each key, replays them on the newest
snapshot (``expect``: a command's effect on the runs' settings, pause state and selection,
as ``Trainer.apply`` and ``RunSet`` make it). A snapshot says how many commands it
reflects (``Snapshot.commands_taken``), so what the engine refused is forgotten as soon
as the engine has answered, and the snapshot is the truth again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from nnterm.engine.live import run_commands as rc
from nnterm.engine.live.snapshot import Snapshot
from nnterm.engine.training import commands as cmd
from nnterm.engine.training.config import Config, with_changes
from nnterm.engine.training.live_settings import takes_live
from nnterm.engine.training.status import FINISHED, TRAINING
from nnterm.engine.training.typed_values import (
    TypedValue,
    with_typed_value,
    without_typed_values,
)


@dataclass(frozen=True)
class RunState:
    """One run as the keys see it."""

    name: str
    config: Config
    step: int
    status: str  # training / finished / diverged / early stopped
    paused: bool


@dataclass(frozen=True)
class RunsState:
    """Every run, in the engine's order, and the selected one."""

    runs: tuple[RunState, ...]
    selected: str

    @classmethod
    def of(cls, snapshot: Snapshot) -> RunsState:
        views = snapshot.runs or ()
        runs = tuple(RunState(v.name, v.config, v.step, v.status, v.paused) for v in views)
        if not runs:  # a snapshot without run views: its one run
            runs = (RunState(snapshot.run, snapshot.config, snapshot.step, snapshot.status,
                             snapshot.paused),)
        return cls(runs, snapshot.run)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.runs)

    def __getitem__(self, name: str) -> RunState:
        return next(r for r in self.runs if r.name == name)

    @property
    def current(self) -> RunState:
        """The selected run."""
        return self[self.selected]

    def with_runs(self, changed: Iterable[RunState]) -> RunsState:
        by_name = {r.name: r for r in changed}
        return replace(self, runs=tuple(by_name.get(r.name, r) for r in self.runs))


def expect(state: RunsState, command: Any) -> RunsState:
    """``state`` after the engine takes ``command``. A command naming an unknown run or
    setting leaves it as it was, as the engine does; a value the engine checks deeper
    (an optimizer's range) counts as taken until the engine's snapshot says otherwise."""
    try:
        return _expect(state, command)
    except (KeyError, StopIteration, TypeError, ValueError):
        return state


def _expect(state: RunsState, command: Any) -> RunsState:
    match command:
        case rc.ToRuns(command=inner, runs=names):
            return state.with_runs(_apply(state[n], inner) for n in names)
        case rc.SetEach(changes=per_run):  # all or nothing, as the engine takes it
            return state.with_runs(_apply(state[n], cmd.Set(dict(c)))
                                   for n, c in per_run.items())
        case rc.SelectRun(run=name):
            state[name]  # noqa: B018 - an unknown run is refused
            return replace(state, selected=name)
        case rc.DuplicateRun(run=name, name=new_name):
            copy = replace(state[name], name=new_name)
            return RunsState((*state.runs, copy), new_name)
        case rc.RemoveRun(run=name):
            names = state.names
            at = names.index(name)
            if len(names) == 1:
                return state
            selected = state.selected
            if selected == name:
                selected = names[at + 1] if at + 1 < len(names) else names[at - 1]
            return RunsState(tuple(r for r in state.runs if r.name != name), selected)
        case cmd.Pause() | cmd.Resume() | cmd.StepOnce() | cmd.Reset() | cmd.Reseed() | \
                cmd.Set():
            return state.with_runs(_apply(r, command) for r in state.runs)
    return state


def _apply(run: RunState, command: Any) -> RunState:
    """One run after ``command`` (``Trainer.apply``'s effect on what the keys read)."""
    match command:
        case cmd.Pause() | cmd.StepOnce():
            return replace(run, paused=True)
        case cmd.Resume():
            return replace(run, paused=False)
        case cmd.Reset():
            return replace(run, step=0, status=TRAINING)
        case cmd.Reseed(seed=seed):
            new_seed = run.config.seed + 1 if seed is None else seed
            return replace(run, config=replace(run.config, seed=new_seed), step=0,
                           status=TRAINING)
        case cmd.Set(changes=changes):
            config = with_changes(run.config, changes)
            if not takes_live(run.config, changes):
                return replace(run, config=without_typed_values(config), step=0,
                               status=TRAINING)
            status = run.status
            if status == FINISHED and run.step < config.train.steps:
                status = TRAINING
            return replace(run, config=config, status=status)
        case cmd.SetParameter(layer=layer, unit=unit, row=row, value=value):
            typed = TypedValue(run.step, layer, unit, row, value)
            return replace(run, config=with_typed_value(run.config, typed))
    return run


class Expectation:
    """The commands sent that no snapshot reflects yet, replayed on the newest one."""

    def __init__(self) -> None:
        self._unseen: list[tuple[int, Any]] = []

    def sent(self, number: int, command: Any) -> None:
        """``command`` went to the engine as the session's command ``number``."""
        self._unseen.append((number, command))

    def clear(self) -> None:
        """A new engine or session: nothing sent before it is still to come."""
        self._unseen.clear()

    def state(self, snapshot: Snapshot) -> RunsState:
        """The runs once the engine has taken every command sent: ``snapshot`` with the
        commands it does not reflect yet replayed on it."""
        self._unseen = [(n, c) for n, c in self._unseen if n > snapshot.commands_taken]
        return self.replayed(RunsState.of(snapshot))

    def replayed(self, state: RunsState) -> RunsState:
        """``state`` with every command sent that no snapshot reflects yet replayed on it
        (before the first snapshot: on the runs as the lesson opens them)."""
        for _, command in self._unseen:
            state = expect(state, command)
        return state
