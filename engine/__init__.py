"""nnterm's training engine: NumPy only, importable without any UI.

The scripting API (a contract other code depends on)::

    from nnterm.engine import MLP, make_optimizer
    net = MLP([2, 16, 16, 3], activation="tanh", init="xavier_uniform", seed=0)
    loss, grads = net.loss_and_grads(X, y, loss="cross_entropy")
    opt = make_optimizer("adamw", lr=1e-3, weight_decay=1e-2)
    opt.step(net.params, grads)

The engine is in rooms, one job each; a room imports only rooms below it:

    live/            what a UI talks to: sessions, the engine process, snapshots
    claims/          a preset's claims judged on its runs (at the end, or while they train)
    experiments/     a preset's runs and sweeps trained headless, in a pool or on a cluster
    preset_format/   the YAML lesson files: schema, errors, loading, saving
    export/          a run as a PyTorch script or notebook that reproduces it (beside
                     preset_format: the two import none of each other)
    training/        one run: Config, Trainer, telemetry, diagnostics, metrics output
    nn/, data/       the math of a network; the datasets
    process/         what the engine's child processes share (the bottom, with nn and
                     data: the three import none of each other)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nnterm.engine.nn.activations import ACTIVATIONS
    from nnterm.engine.nn.initializers import INITS, Init
    from nnterm.engine.nn.losses import LOSSES
    from nnterm.engine.nn.network import MLP
    from nnterm.engine.nn.optimizers import OPTIMIZERS, clip_grad_norm, make_optimizer

#: The module of each name of the scripting API, imported when the name is first asked
#: for: a command that reads one room (``nnterm list`` reads the presets) then loads
#: neither NumPy nor the network (PEP 562).
_HOME = {
    "ACTIVATIONS": "nnterm.engine.nn.activations",
    "INITS": "nnterm.engine.nn.initializers",
    "Init": "nnterm.engine.nn.initializers",
    "LOSSES": "nnterm.engine.nn.losses",
    "MLP": "nnterm.engine.nn.network",
    "OPTIMIZERS": "nnterm.engine.nn.optimizers",
    "clip_grad_norm": "nnterm.engine.nn.optimizers",
    "make_optimizer": "nnterm.engine.nn.optimizers",
}

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


def __getattr__(name: str) -> object:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOME[name]), name)
    globals()[name] = value  # (asked once)
    return value
