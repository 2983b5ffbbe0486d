"""Optimizers that follow the ``torch.optim`` update rules term for term, on NumPy arrays.

    opt = make_optimizer("adam", lr=1e-2)
    opt.step(params, grads)      # params updated in place; grads are left untouched

``params`` and ``grads`` are parallel lists of arrays. Each optimizer keeps its state (momentum
buffer, Adam moments) per list position, allocated on the first step in the params' dtype, so the
same list, in the same order, must be passed on every step; ``reset_state()`` forgets it (needed
when the list changes). Hyperparameters are plain attributes (``opt.lr``, ``opt.betas``, ...) that
may be changed between steps without losing state, as with ``param_groups`` in torch; call
``validate()`` after editing them to get the range checks.

The rules are torch's single-tensor (``foreach=False``), non-capturable paths, with
``maximize=False`` and ``amsgrad=False``; ``tests/test_optimizers.py`` compares them with torch.

One module an optimizer, its hyperparameters declared on its class (``base``); a new one is
a module here and a name in ``OPTIMIZER_CLASSES``: the run Config, the preset format, the
app's optimizer key, the memory estimate and the docs read it from there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nnterm.engine.nn.hyperparams import build, declared
from nnterm.engine.nn.optimizers.adagrad import Adagrad
from nnterm.engine.nn.optimizers.adam import Adam, AdamW
from nnterm.engine.nn.optimizers.base import Optimizer, State
from nnterm.engine.nn.optimizers.clipping import clip_grad_norm
from nnterm.engine.nn.optimizers.rmsprop import RMSprop
from nnterm.engine.nn.optimizers.sgd import SGD

#: Every optimizer, in the order the app's optimizer key offers them.
OPTIMIZER_CLASSES: tuple[type[Optimizer], ...] = (SGD, Adam, AdamW, RMSprop, Adagrad)
_BY_NAME: dict[str, type[Optimizer]] = {cls.name: cls for cls in OPTIMIZER_CLASSES}
OPTIMIZERS: tuple[str, ...] = tuple(_BY_NAME)

__all__ = [
    "OPTIMIZERS",
    "OPTIMIZER_CLASSES",
    "SGD",
    "Adagrad",
    "Adam",
    "AdamW",
    "Optimizer",
    "RMSprop",
    "State",
    "clip_grad_norm",
    "make_optimizer",
    "optimizer_class",
    "resolved",
    "state_arrays",
]


def make_optimizer(name: str, **kwargs: Any) -> Optimizer:
    """Build an optimizer by name (any case: "sgd", "AdamW") from its hyperparameters."""
    return build(_BY_NAME, "optimizer", name, kwargs)


def optimizer_class(name: str) -> type[Optimizer]:
    """The class of the optimizer called ``name`` (KeyError if there is none)."""
    return _BY_NAME[name]


def resolved(name: str, options: Mapping[str, Any]) -> dict[str, Any]:
    """Every hyperparameter of optimizer ``name``: ``options``, and its defaults for the rest."""
    return {param.name: options.get(param.name, param.default)
            for param in declared(_BY_NAME[name])}


def state_arrays(name: str, options: Mapping[str, Any]) -> tuple[str, ...]:
    """The per-parameter buffers optimizer ``name`` keeps with these ``options`` (its
    ``STATE``): each as big as the parameters."""
    every = resolved(name, options)
    return tuple(s.name for s in _BY_NAME[name].STATE if s.kept(every))
