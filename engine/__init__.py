"""nnterm's training engine: NumPy only, importable without any UI.

The scripting API (a contract other code depends on)::

    from nnterm.engine import MLP, make_optimizer
    net = MLP([2, 16, 16, 3], activation="tanh", init="xavier_uniform", seed=0)
    loss, grads = net.loss_and_grads(X, y, loss="cross_entropy")
    opt = make_optimizer("adamw", lr=1e-3, weight_decay=1e-2)
    opt.step(net.params, grads)
"""

from nnterm.engine.activations import ACTIVATIONS
from nnterm.engine.initializers import INITS, Init
from nnterm.engine.losses import LOSSES
from nnterm.engine.network import MLP
from nnterm.engine.optimizers import OPTIMIZERS, clip_grad_norm, make_optimizer

__all__ = [
    "ACTIVATIONS",
    "INITS",
    "LOSSES",
    "OPTIMIZERS",
    "MLP",
    "Init",
    "clip_grad_norm",
    "make_optimizer",
]
