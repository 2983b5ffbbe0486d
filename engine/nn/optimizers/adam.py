"""Adam and AdamW, as torch.optim.Adam and torch.optim.AdamW (``amsgrad=False``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from nnterm.engine.nn.hyperparams import NON_NEGATIVE, Number, Pair, hyperparam
from nnterm.engine.nn.optimizers.base import (
    Arrays,
    Optimizer,
    State,
    l2_weight_decay,
    learning_rate,
)


@dataclass(eq=False, repr=False)
class Adam(Optimizer):
    """Adam (Kingma & Ba 2015) with L2 weight decay added to the gradient, as torch.optim.Adam.

    Per step t = 1, 2, ... with g the gradient:

        g   <- g + weight_decay * p
        m   <- beta1 * m + (1 - beta1) * g        (torch: m.lerp_(g, 1 - beta1))
        v   <- beta2 * v + (1 - beta2) * g^2
        step_size = lr / (1 - beta1^t)
        denom     = sqrt(v) / sqrt(1 - beta2^t) + eps
        p   <- p - step_size * m / denom

    that is p - lr * m_hat / (sqrt(v_hat) + eps): eps is added after the square root and after
    the bias correction of v.
    """

    name: ClassVar[str] = "adam"
    STATE: ClassVar[tuple[State, ...]] = (State("exp_avg"), State("exp_avg_sq"))

    lr: float = learning_rate(1e-3)
    betas: tuple[float, float] = hyperparam(
        (0.9, 0.999), Pair(Number(0, 1, high_open=True)),
        "beta1, beta2: how slowly m and v forget")
    eps: float = hyperparam(1e-8, NON_NEGATIVE, "added to sqrt(v_hat), after the correction")
    weight_decay: float = l2_weight_decay()

    def _weight_decay(self, params: Arrays, g: np.ndarray, lr: float, weight_decay: float) -> None:
        """Adam's L2 penalty: g <- g + weight_decay * p."""
        self._l2(params, g, weight_decay)

    def step(self, params: Arrays, grads: Arrays) -> None:
        """One Adam step: update every array of ``params`` in place from ``grads``."""
        if not params:
            return
        g = self._gather(params, grads, writes=self.weight_decay != 0)  # (Adam's decay does)
        lr, eps, weight_decay = self.lr, self.eps, self.weight_decay
        beta1, beta2 = self.betas
        m, v, tmp = self._buffer("exp_avg"), self._buffer("exp_avg_sq"), self._tmp
        t = self.t
        if weight_decay != 0:
            self._weight_decay(params, g, lr, weight_decay)
        np.subtract(g, m, out=tmp)
        tmp *= 1 - beta1
        m += tmp  # m + (1 - beta1) (g - m)  =  beta1 m + (1 - beta1) g
        v *= beta2
        np.multiply(g, 1 - beta2, out=tmp)
        tmp *= g
        v += tmp  # beta2 v + (1 - beta2) g^2
        step_size = lr / (1 - beta1**t)
        denom = np.sqrt(v, out=tmp)
        denom /= (1 - beta2**t) ** 0.5
        denom += eps
        update = np.multiply(m, step_size, out=self._update)
        update /= denom
        self._subtract_update(params)  # p - step_size * m / denom


@dataclass(eq=False, repr=False)
class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter 2019), as torch.optim.AdamW.

    The decay shrinks the params before the Adam step instead of entering the gradient:

        p   <- p * (1 - lr * weight_decay)
        p   <- p - step_size * m / denom      (the Adam step above, on the raw gradient)
    """

    name: ClassVar[str] = "adamw"

    weight_decay: float = hyperparam(1e-2, NON_NEGATIVE,
                                     "decoupled: p <- p * (1 - lr * weight_decay)")

    def _weight_decay(self, params: Arrays, g: np.ndarray, lr: float, weight_decay: float) -> None:
        """Decoupled decay: p <- p * (1 - lr * weight_decay); the gradient is left alone."""
        shrink = 1 - lr * weight_decay
        for p in params:
            p *= shrink
