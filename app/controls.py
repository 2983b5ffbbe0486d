"""What each single-key control changes: ladders of values and cycles, as Config edits.

Pure functions from the current Config to a dict of dotted-path changes (what
``commands.Set`` takes), so the keys' effects are testable without a terminal.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from nnterm.engine.data.registry import sized_by_corpus
from nnterm.engine.nn.activations import ACTIVATIONS
from nnterm.engine.nn.features import FEATURES
from nnterm.engine.nn.hyperparams import declared
from nnterm.engine.nn.initializers import INITS, Init, for_scheme
from nnterm.engine.nn.optimizers import OPTIMIZER_CLASSES, optimizer_class
from nnterm.engine.training.config import Config, OptimizerConfig

#: Learning rates for + and -: 1e-5, 3e-5, 1e-4, ... 3, 10 (read from text, so each is
#: the float nearest its decimal: 3 * 0.1 would be 0.30000000000000004).
LEARNING_RATES = tuple(float(f"{m}e{e}") for e in range(-5, 1) for m in (1, 3)) + (10.0,)
#: Batch sizes for the batch keys; 0 is the full training set.
BATCH_SIZES = (1, 2, 4, 8, 16, 32, 64, 128, 256, 0)
#: Weight decay values for the weight-decay key.
WEIGHT_DECAYS = (0.0, 1e-4, 1e-3, 1e-2, 1e-1, 1.0)
#: Dropout probabilities for the dropout key.
DROPOUTS = (0.0, 0.1, 0.2, 0.3, 0.5)
#: The optimizer section's defaults, which the optimizer key resets options to.
_OPTIMIZER_DEFAULTS = OptimizerConfig()


def _optimizer_cycle() -> tuple[tuple[str, dict[str, Any]], ...]:
    """(label, changes) for each optimizer in ``OPTIMIZER_CLASSES``, each followed by its
    ``VARIANTS`` (SGD's ``momentum``). Each sets the options the new optimizer does not
    read back to their defaults, so that a saved preset never carries one it does not
    read (``momentum`` on adam is refused), and those a variant sets too, so that plain
    SGD after a round is plain again; the options it reads (``lr``) are kept."""
    cycle = []
    for cls in OPTIMIZER_CLASSES:
        reads = {param.name for param in declared(cls)}
        varied = {option for settings in cls.VARIANTS.values() for option in settings}
        plain: dict[str, Any] = {"train.optimizer.name": cls.name}
        plain.update({f"train.optimizer.{f.name}": f.default
                      for f in dataclasses.fields(OptimizerConfig)
                      if f.name != "name" and (f.name not in reads or f.name in varied)})
        cycle.append((cls.name, plain))
        for label, settings in cls.VARIANTS.items():
            cycle.append((label, {**plain, **{f"train.optimizer.{option}": value
                                              for option, value in settings.items()}}))
    return tuple(cycle)


#: Optimizers for the optimizer key: (label, changes).
OPTIMIZER_CYCLE = _optimizer_cycle()
#: Steps per second for the speed key; None is full speed.
SPEEDS = (None, 1.0, 5.0, 20.0, 100.0)


def nearest_index(ladder: Sequence[float], value: float, log: bool = True) -> int:
    """Index of the rung closest to ``value`` (on a log scale when ``log``)."""
    def distance(rung: float) -> float:
        if log and rung > 0 and value > 0:
            return abs(math.log(rung) - math.log(value))
        return abs(rung - value)

    return min(range(len(ladder)), key=lambda i: distance(ladder[i]))


def step_along(ladder: Sequence[float], current: float, direction: int) -> float:
    """The first rung of an ascending ``ladder`` above ``current`` (``direction`` 1) or
    below it (-1), clamped at the ends: a value between rungs moves to the next rung."""
    tolerance = 1e-9 * abs(current)
    if direction > 0:
        return next((r for r in ladder if r > current + tolerance), ladder[-1])
    return next((r for r in reversed(ladder) if r < current - tolerance), ladder[0])


def learning_rate(config: Config, direction: int) -> dict[str, Any]:
    return {"train.optimizer.lr": step_along(LEARNING_RATES, config.train.optimizer.lr, direction)}


def batch_size(config: Config, direction: int) -> dict[str, Any]:
    """Batch size up or down the ladder; the full batch (0) sits above the rungs smaller
    than the training set (a batch as big as it is the full batch, so no rung offers one;
    data sized by its corpus, whose n_train is not its size, keeps every rung)."""
    n_train = 0 if sized_by_corpus(config.data.name) else config.data.n_train
    rungs = [b for b in BATCH_SIZES[:-1] if not n_train or b < n_train]
    ladder = (*rungs, 0)
    current = config.train.batch_size
    if n_train and current >= n_train:
        current = 0
    if current not in ladder:
        current = rungs[nearest_index(rungs, current)]
    i = ladder.index(current) + direction
    return {"train.batch_size": ladder[max(0, min(len(ladder) - 1, i))]}


def weight_decay(config: Config) -> dict[str, Any]:
    """The next weight decay, wrapping around to 0."""
    current = config.train.optimizer.weight_decay or 0.0
    i = nearest_index(WEIGHT_DECAYS, current, log=False) if current else 0
    return {"train.optimizer.weight_decay": WEIGHT_DECAYS[(i + 1) % len(WEIGHT_DECAYS)]}


def dropout(config: Config) -> dict[str, Any]:
    """The next dropout probability for every hidden layer, wrapping around to 0."""
    p = config.model.dropout
    current = p if isinstance(p, (int, float)) else max(p, default=0.0)
    i = nearest_index(DROPOUTS, current, log=False)
    return {"model.dropout": DROPOUTS[(i + 1) % len(DROPOUTS)]}


def optimizer_label(config: Config) -> str:
    """The optimizer as the course names it: a variant whose options all differ from
    their defaults (SGD with momentum is ``momentum``), else its name."""
    o = config.train.optimizer
    variants = optimizer_class(o.name).VARIANTS
    return next((label for label, settings in variants.items()
                 if all(getattr(o, k) != getattr(_OPTIMIZER_DEFAULTS, k) for k in settings)),
                o.name)


def optimizer(config: Config) -> tuple[str, dict[str, Any]]:
    """The next optimizer of ``OPTIMIZER_CYCLE`` (sgd -> momentum -> adam -> ...), round."""
    label = optimizer_label(config)
    labels = [name for name, _ in OPTIMIZER_CYCLE]
    name, changes = OPTIMIZER_CYCLE[(labels.index(label) + 1) % len(OPTIMIZER_CYCLE)]
    return name, dict(changes)


def activation(config: Config) -> dict[str, Any]:
    """The next activation for every hidden layer (after the first layer's current one)."""
    a = config.model.activation
    current = a if isinstance(a, str) else a[0]
    return {"model.activation": ACTIVATIONS[(ACTIVATIONS.index(current) + 1) % len(ACTIVATIONS)]}


#: The value the init key gives ``constant`` when it would be 0: ``zeros`` again, under
#: another name. Any other constant shows the same failure (every unit alike) unhidden.
CONSTANT_INIT = 0.5


def init(config: Config) -> dict[str, Any]:
    """The next init scheme for every layer (the options it reads kept); re-initialises."""
    i = config.model.init
    current = i if isinstance(i, Init) else i[0]
    scheme = INITS[(INITS.index(current.scheme) + 1) % len(INITS)]
    new = for_scheme(current, scheme)
    if scheme == "constant" and new.value == 0:
        new = replace(new, value=CONSTANT_INIT)
    return {"model.init": new}


def speed(current: float | None, pace: float | None = None) -> float | None:
    """The next speed: full, then 1, 5, 20, 100 steps a second (and the lesson's own
    ``pace`` in its place among them), then full again."""
    ladder = (None, *sorted({s for s in (*SPEEDS, pace) if s is not None}))
    i = ladder.index(current) if current in ladder else 0
    return ladder[(i + 1) % len(ladder)]


def toggle_feature(config: Config, name: str) -> dict[str, Any]:
    """``data.features`` with feature ``name`` switched on or off (``nn.features``), in
    TensorFlow Playground's order; no features is (x1, x2). The last one stays on: a
    network reads at least one input (no change, then)."""
    current = config.data.features or ("x1", "x2")
    wanted = set(current) ^ {name}
    if not wanted:
        return {}
    features = tuple(f for f in FEATURES if f in wanted)
    return {"data.features": () if features == ("x1", "x2") else features}
