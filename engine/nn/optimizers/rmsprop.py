"""RMSprop, as torch.optim.RMSprop (``capturable=False``, ``differentiable=False``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from nnterm.engine.nn.hyperparams import FLAG, NON_NEGATIVE, Number, hyperparam
from nnterm.engine.nn.optimizers.base import (
    Arrays,
    Optimizer,
    State,
    l2_weight_decay,
    learning_rate,
)


@dataclass(eq=False, repr=False)
class RMSprop(Optimizer):
    """RMSprop (Hinton, lecture 6e; centred as in Graves 2013), as torch.optim.RMSprop.

    Per step, with g the gradient, a = alpha and mu the momentum:

        g   <- g + weight_decay * p
        v   <- a * v + (1 - a) * g^2                  (square_avg)
        m   <- m + (1 - a) * (g - m)   if centered    (grad_avg: torch's m.lerp_(g, 1 - a))
        avg  = sqrt(v - m^2) + eps     if centered,  else  sqrt(v) + eps
        b   <- mu * b + g / avg,   p <- p - lr * b    if mu > 0    (momentum_buffer)
        p   <- p - lr * g / avg                       otherwise

    Every buffer starts at 0 and nothing corrects for it (unlike Adam): after one step
    v = (1 - a) g^2, so the first steps are 1/sqrt(1 - a) times lr long, 10 for a = 0.99.
    """

    name: ClassVar[str] = "rmsprop"
    STATE: ClassVar[tuple[State, ...]] = (
        State("square_avg"),
        State("momentum_buffer", when="momentum"),
        State("grad_avg", when="centered"),
    )

    lr: float = learning_rate(1e-2)
    alpha: float = hyperparam(0.99, Number(0, 1), "a: how slowly the mean square v forgets")
    eps: float = hyperparam(1e-8, NON_NEGATIVE, "added to the root, sqrt(v) + eps")
    weight_decay: float = l2_weight_decay()
    momentum: float = hyperparam(0.0, NON_NEGATIVE, "mu: b <- mu * b + g / avg, p <- p - lr * b")
    centered: bool = hyperparam(False, FLAG, "divide by the spread of g, sqrt(v - m^2)")

    def step(self, params: Arrays, grads: Arrays) -> None:
        """One RMSprop step: update every array of ``params`` in place from ``grads``."""
        if not params:
            return
        g = self._gather(params, grads)
        alpha, mu, tmp, update = self.alpha, self.momentum, self._tmp, self._update
        self._l2(params, g, self.weight_decay)  # g + weight_decay * p
        v = self._buffer("square_avg")
        v *= alpha
        np.multiply(g, 1 - alpha, out=tmp)
        tmp *= g
        v += tmp  # a v + (1 - a) g^2
        if self.centered:
            m = self._buffer("grad_avg")
            np.subtract(g, m, out=tmp)
            tmp *= 1 - alpha
            m += tmp  # m + (1 - a) (g - m)
            np.multiply(m, m, out=tmp)
            avg = np.subtract(v, tmp, out=tmp)
            np.sqrt(avg, out=avg)  # sqrt(v - m^2)
        else:
            avg = np.sqrt(v, out=tmp)
        avg += self.eps
        np.divide(g, avg, out=update)  # g / avg
        if mu > 0:
            b = self._buffer("momentum_buffer")
            b *= mu
            b += update  # mu b + g / avg
            np.multiply(b, self.lr, out=update)
        else:
            update *= self.lr
        self._subtract_update(params)  # p - lr * (b or g / avg)
