"""What a live session says in words: a command's effect for the status line
(``describe``), a speed (``rate_text``), an error (``describe_error``)."""

from __future__ import annotations

from typing import Any

from nnterm.engine.live.frame import describe_changes
from nnterm.engine.training import commands as cmd
from nnterm.engine.training.trainer import Trainer


def rate_text(steps_per_second: float, digits: str = "g") -> str:
    """``20 steps/s``, ``1 step/s``: a speed in words (``digits``: the number's format)."""
    number = format(steps_per_second, digits)
    return f"{number} step{'' if number == '1' else 's'}/s"


def describe(command: Any, trainer: Trainer) -> str:
    """The effect of a command, in a few words, for the status line."""
    match command:
        case cmd.Pause():
            return f"paused at step {trainer.step_count}"
        case cmd.Resume():
            if trainer.done:
                return f"the run has {trainer.status}: reset to start again"
            return "resumed"
        case cmd.StepOnce():
            return "one step"
        case cmd.Reset():
            return f"reset to step 0 (seed {trainer.config.seed})"
        case cmd.Reseed():
            return f"new seed {trainer.config.seed}, from step 0"
        case cmd.Reinitialize():
            return f"re-initialised (seed {trainer.net.seed})"
        case cmd.Set(changes=changes):
            return describe_changes(changes)
        case cmd.SetParameter(layer=layer, unit=unit, row=row, value=value):
            return f"{_parameter_name(trainer, layer, unit, row)} set to {value:g}"
        case cmd.AddPoint(label=label):
            names = trainer.dataset.meta.get("classes")
            return f"a point of {names[label] if names else f'class {label}'} drawn"
        case cmd.RemovePoints():
            if not trainer.dataset.n_train:
                return "no training point left: draw some to train on"
            return "points erased"
    return type(command).__name__


def _parameter_name(trainer: Trainer, layer: int, unit: int, row: int | None) -> str:
    """``h1[3]: weight from x2``, ``out[0]: bias``: as the network view names them."""
    net = trainer.net
    name = f"out[{unit}]" if layer == net.n_layers - 1 else f"h{layer + 1}[{unit}]"
    if row is None:
        return f"{name}: bias"
    if layer > 0:
        source = f"h{layer}[{row}]"
    else:
        source = net.feature_map.names[row] if net.feature_map is not None else f"x{row + 1}"
    return f"{name}: weight from {source}"


def describe_error(exc: BaseException) -> str:
    """An exception as a human sentence (KeyError's quotes removed)."""
    if isinstance(exc, KeyError) and exc.args:
        return str(exc.args[0])
    return str(exc) or type(exc).__name__
