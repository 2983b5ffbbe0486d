"""A run's weights as they are now, for a script to start from instead of step 0.

The ``.npz`` gets, beside the initial weights, ``current.step`` (the steps the run has
taken), the parameters then under ``current.`` and their ``state_dict`` names, and the
optimizer's state then as torch keeps it: ``optimizer.state_dict()["state"][i][key]``
is ``current.optimizer.{i}.{key}``, ``i`` the place of the parameter among those it
trains, ``key`` torch's name (nnterm's optimizers name their buffers so: ``exp_avg``,
``momentum_buffer``...), each in the parameter's layout (a weight transposed). Torch's
adaptive optimizers also count their steps in ``step`` (Adam's bias correction,
Adagrad's decay read it); SGD does not. With the moments, a script that goes on from
here takes the steps nnterm takes, not those of a fresh optimizer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnterm.engine.export.arrays import as_torch_layout, state_dict_arrays
from nnterm.engine.nn.optimizers import state_arrays
from nnterm.engine.training.trainer import Trainer

#: The prefix of the current weights' names in the ``.npz``.
PREFIX = "current."

#: Optimizers whose torch state has no ``step`` (torch.optim.SGD counts nothing).
NO_STEP_COUNT = frozenset({"sgd"})


@dataclass(frozen=True)
class StartPoint:
    """Where a script can start instead of step 0: after ``step`` steps, with the
    optimizer's state keys ``optimizer_state`` for each trained parameter (none before
    the optimizer's first step)."""

    step: int
    optimizer_state: tuple[str, ...]


def start_point(trainer: Trainer) -> StartPoint:
    """Where ``trainer`` is now."""
    return StartPoint(trainer.step_count, tuple(_optimizer_buffers(trainer)))


def current_arrays(trainer: Trainer, linear_index: list[int]) -> dict[str, np.ndarray]:
    """The ``current.`` entries of the ``.npz`` (see the module): copies, taken between
    two steps (``linear_index``: the place of each ``nn.Linear`` in the model)."""
    net, optimizer = trainer.net, trainer.optimizer
    arrays = {f"{PREFIX}step": np.array(trainer.step_count)}
    arrays |= state_dict_arrays(net.params, linear_index, prefix=PREFIX)
    trained = net.trainable_indices
    sizes = [net.params[j].size for j in trained]
    for key in _optimizer_buffers(trainer):
        if key == "step":
            for i in range(len(trained)):
                arrays[f"{PREFIX}optimizer.{i}.step"] = np.array(float(optimizer.t), net.dtype)
            continue
        flat = optimizer.state[key]
        if flat.size != sum(sizes):
            raise ValueError(f"the optimizer's {key} holds {flat.size} numbers for "
                             f"{sum(sizes)} trained parameters")
        parts = np.split(flat, np.cumsum(sizes)[:-1])
        for i, (j, part) in enumerate(zip(trained, parts, strict=True)):
            arrays[f"{PREFIX}optimizer.{i}.{key}"] = as_torch_layout(
                part.reshape(net.params[j].shape), weight=j % 2 == 0)
    return arrays


def _optimizer_buffers(trainer: Trainer) -> list[str]:
    """torch's state keys of the run's optimizer as it is now: ``step`` (if torch counts
    them) and the buffers it keeps; none before its first step."""
    optimizer = trainer.optimizer
    if optimizer.t == 0:
        return []
    kept = [key for key in state_arrays(optimizer.name, optimizer.hyperparams())
            if key in optimizer.state]
    return kept if optimizer.name in NO_STEP_COUNT else ["step", *kept]
