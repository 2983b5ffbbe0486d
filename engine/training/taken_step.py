"""One training step as the trainer took it, kept for a UI that explains it (the backprop
view): the batch, the forward and backward passes (``nn.network.Pass``: every layer's
input, z and a, the loss, dL/dlogits, the gradients the optimizer was given), dL/dz of
every layer (taken before the update: the chain rule reads the weights), the parameters
before and after the update, and the learning rate.

The trainer keeps one only while ``Trainer.explaining`` is on: copying the parameters
twice a step costs nothing on the small networks it is for.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnterm.engine.nn.network import Pass


@dataclass(frozen=True)
class TakenStep:
    """Step ``step`` (1 for the first) on batch ``X``, ``y``."""

    step: int
    X: np.ndarray
    y: np.ndarray
    taken: Pass
    deltas: dict[int, np.ndarray]  # dL/dz of every layer (``MLP.deltas``), by layer index
    before: list[np.ndarray]  # every parameter, as ``MLP.params``, before the update
    after: list[np.ndarray]  # and after it
    lr: float
