"""Adagrad, as torch.optim.Adagrad (dense gradients)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from nnterm.engine.nn.hyperparams import NON_NEGATIVE, hyperparam
from nnterm.engine.nn.optimizers.base import (
    Arrays,
    Optimizer,
    State,
    l2_weight_decay,
    learning_rate,
)


@dataclass(eq=False, repr=False)
class Adagrad(Optimizer):
    """Adagrad (Duchi, Hazan & Singer 2011), as torch.optim.Adagrad.

    Per step t = 1, 2, ... with g the gradient:

        g   <- g + weight_decay * p
        clr  = lr / (1 + (t - 1) * lr_decay)
        s   <- s + g^2                      (sum; it starts at initial_accumulator_value)
        p   <- p - clr * g / (sqrt(s) + eps)

    The sum only grows, so every weight's steps shrink as its gradients add up, most for
    the weights whose gradients are large: a per-weight learning rate that only decays.
    """

    name: ClassVar[str] = "adagrad"
    STATE: ClassVar[tuple[State, ...]] = (State("sum"),)

    lr: float = learning_rate(1e-2)
    lr_decay: float = hyperparam(0.0, NON_NEGATIVE, "clr = lr / (1 + (t - 1) * lr_decay)")
    weight_decay: float = l2_weight_decay()
    initial_accumulator_value: float = hyperparam(
        0.0, NON_NEGATIVE, "where the sum s of g^2 starts", live=False)
    eps: float = hyperparam(1e-10, NON_NEGATIVE, "added to the root, sqrt(s) + eps")

    def step(self, params: Arrays, grads: Arrays) -> None:
        """One Adagrad step: update every array of ``params`` in place from ``grads``."""
        if not params:
            return
        g = self._gather(params, grads)
        tmp, update = self._tmp, self._update
        self._l2(params, g, self.weight_decay)  # g + weight_decay * p
        clr = self.lr / (1 + (self.t - 1) * self.lr_decay)
        s = self._buffer("sum", self.initial_accumulator_value)
        np.multiply(g, g, out=tmp)
        s += tmp  # s + g^2
        std = np.sqrt(s, out=tmp)
        std += self.eps
        np.divide(g, std, out=update)
        update *= clr
        self._subtract_update(params)  # p - clr * g / (sqrt(s) + eps)
