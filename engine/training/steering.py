"""Commands applied to a running Trainer between steps.

``Steering`` is a base of the Trainer that holds ``apply``: pause, resume, a step asked
for, a reset or a reseed, new initial weights, settings changed (live when
``live_settings.takes_live`` says a running trainer takes them, else the run starts over),
a weight typed in, points drawn or erased. None of it is on the path of a step.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from nnterm.engine.data import (
    BatchSampler,
    Dataset,
    check_flips,
    drawn_counts,
    with_point,
    without_points,
)
from nnterm.engine.nn.network import MLP
from nnterm.engine.nn.optimizers import Optimizer, resolved
from nnterm.engine.training import commands as cmd
from nnterm.engine.training import memory
from nnterm.engine.training.config import Config, with_changes
from nnterm.engine.training.live_settings import takes_live
from nnterm.engine.training.status import FINISHED, TRAINING
from nnterm.engine.training.typed_values import (
    TypedValue,
    by_step,
    with_typed_value,
    without_typed_values,
)
from nnterm.engine.training.widths import layer_widths


class Steering:
    """The Trainer's commands (a base of ``Trainer``, which sets everything below)."""

    # the Trainer's (annotations only: nothing here hides them)
    config: Config
    dataset: Dataset
    net: MLP
    optimizer: Optimizer
    status: str
    step_count: int
    paused: bool
    _pending_steps: int
    _given_typed: tuple[TypedValue, ...]
    _typed: dict[int, list[TypedValue]]
    _batches: BatchSampler
    _start: Callable[[Config, Dataset | None], None]
    _redraw: Callable[[Dataset], None]
    _make_optimizer: Callable[[], None]
    _make_schedule: Callable[[], None]
    _batch_size: Callable[[], int]

    def apply(self, command: cmd.Command) -> None:
        """Apply a control between steps (see ``commands``)."""
        match command:
            case cmd.Pause():
                self.paused = True
            case cmd.Resume():
                self.paused = False
                self._pending_steps = 0
            case cmd.StepOnce():
                self.paused = True
                self._pending_steps += 1
            case cmd.Reset():
                self._start(self._as_given(self.config), self.dataset)
            case cmd.Reseed(seed=seed):  # new data from the seed, unless points were drawn
                new_seed = self.config.seed + 1 if seed is None else seed
                drawn = self.dataset if drawn_counts(self.dataset) is not None else None
                self._start(replace(self._as_given(self.config), seed=new_seed), drawn)
            case cmd.Reinitialize():
                self.net.reinitialize()
                self.optimizer.reset_state()
            case cmd.Set(changes=changes):
                self._set(changes)
            case cmd.SetParameter(layer=layer, unit=unit, row=row, value=value):
                self.net.set_parameter(layer, unit, row, value)
                self.config = with_typed_value(self.config, TypedValue(
                    self.step_count, layer, unit, row, value))
                self._typed = by_step(self.config.model.typed_values)
            case cmd.AddPoint(x1=x1, x2=x2, label=label):
                self._redraw(with_point(self.dataset, x1, x2, label))
            case cmd.RemovePoints(box=box, validation=validation):
                self._redraw(without_points(self.dataset, box, validation))
            case _:
                raise TypeError(f"not a command: {command!r}")

    def _as_given(self, config: Config) -> Config:
        """``config`` with the typed values the run was given, not those typed since: a
        reset draws the weights again, as TensorFlow Playground's does."""
        return replace(config, model=replace(config.model, typed_values=self._given_typed))

    def _set(self, changes: Mapping[str, Any]) -> None:
        new = with_changes(self.config, changes)
        if not takes_live(self.config, changes):
            new = without_typed_values(new)
            data = self.dataset  # (its widths stand for the new data's: a rough guess)
            memory.check(new, data.input_dim, layer_widths(new, data)[-1])
            data_changed = new.data != self.config.data
            self._start(new, None if data_changed else self.dataset)
            self._given_typed = ()
            return
        check_flips(new.data.name, new.train.flips)
        old, self.config = self.config, new
        if self.status == FINISHED and self.step_count < new.train.steps:
            self.status = TRAINING  # more steps asked of a finished run: go on
        o_old, o_new = old.train.optimizer, new.train.optimizer
        if o_new.name != o_old.name:
            self._make_optimizer()
        elif o_new != o_old:
            for name, value in resolved(o_new.name, o_new.kwargs()).items():
                setattr(self.optimizer, name, value)
            self.optimizer.validate()
        self._batches.batch_size = self._batch_size()
        if new.model.activation != old.model.activation:
            acts = new.model.activation
            for i in range(self.net.n_layers - 1):
                self.net.set_activation(acts if isinstance(acts, str) else acts[i], i)
        if new.model.dropout != old.model.dropout:
            ps = new.model.dropout
            for i in range(self.net.n_layers - 1):
                self.net.set_dropout(ps if isinstance(ps, (int, float)) else ps[i], i)
        if new.train.schedule != old.train.schedule:
            self._make_schedule()
