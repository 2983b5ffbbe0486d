"""SGD with momentum, dampening, Nesterov and L2 weight decay, as torch.optim.SGD."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from nnterm.engine.nn.hyperparams import FLAG, NON_NEGATIVE, hyperparam
from nnterm.engine.nn.optimizers.base import (
    Arrays,
    Optimizer,
    State,
    l2_weight_decay,
    learning_rate,
)


@dataclass(eq=False, repr=False)
class SGD(Optimizer):
    """Stochastic gradient descent with momentum, dampening, Nesterov and L2 weight decay.

    Per step, with g the gradient, mu the momentum and tau the dampening (torch.optim.SGD):

        g   <- g + weight_decay * p
        b   <- g                            on the first step with momentum (no dampening)
        b   <- mu * b + (1 - tau) * g       afterwards
        g   <- g + mu * b  if nesterov  else  b          (only if mu != 0)
        p   <- p - lr * g
    """

    name: ClassVar[str] = "sgd"
    STATE: ClassVar[tuple[State, ...]] = (State("momentum_buffer", when="momentum"),)
    VARIANTS = {"momentum": {"momentum": 0.9}}  # the app's optimizer key offers it as one

    lr: float = learning_rate(1e-3)
    momentum: float = hyperparam(0.0, NON_NEGATIVE, "mu: the share of the last step kept")
    # torch does not range-check dampening; a negative one would amplify the gradient.
    dampening: float = hyperparam(0.0, NON_NEGATIVE, "tau: the share of g kept out of b")
    nesterov: bool = hyperparam(False, FLAG, "step by g + mu * b instead of b")
    weight_decay: float = l2_weight_decay()

    def _check_together(self) -> None:
        if self.nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ValueError(
                "SGD: nesterov momentum requires momentum > 0 and dampening = 0, "
                f"got momentum={self.momentum!r}, dampening={self.dampening!r}"
            )

    def step(self, params: Arrays, grads: Arrays) -> None:
        """One SGD step: update every array of ``params`` in place from ``grads``."""
        if not params:
            return
        # (only the coupled weight decay and Nesterov's step write into g)
        g = self._gather(params, grads, writes=self.weight_decay != 0 or self.nesterov)
        tmp = self._tmp
        mu = self.momentum
        self._l2(params, g, self.weight_decay)  # g + weight_decay * p
        if mu != 0:
            b = self.state.get("momentum_buffer")
            if b is None:
                self.state["momentum_buffer"] = b = g.copy()  # b = g
            else:
                b *= mu
                np.multiply(g, 1 - self.dampening, out=tmp)
                b += tmp  # b = mu * b + (1 - tau) * g
            if self.nesterov:
                np.multiply(b, mu, out=tmp)
                g += tmp  # g + mu * b
            else:
                g = b
        np.multiply(g, self.lr, out=self._update)
        self._subtract_update(params)  # p - lr * g
