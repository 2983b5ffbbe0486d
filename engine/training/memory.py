"""How much memory a run will take, checked before anything is allocated.

``estimate(config, input_dim, output_dim)`` adds up, in bytes: the weights and their
gradients, the optimizer's state (the per-parameter buffers its class declares in
``STATE``: a velocity for SGD with momentum, two moments for Adam), the training and
validation data, the activations of one batch kept for the backward pass, and those of
the evaluation passes over the probe and validation sets.
It is an estimate (NumPy's temporaries come and go), close enough to refuse a run that
cannot fit before NumPy fails halfway with a traceback, or the machine starts swapping.

``check(config, input_dim, output_dim)`` raises ``TooBig`` (a ValueError) when the
estimate is over ``limit()``: half the machine's memory unless ``set_limit`` (the CLI's
``--max-memory``) said otherwise. Its ``key`` is the setting to change: ``model.hidden``
when the weights dominate, ``data.n_train`` for the data, ``train.batch_size`` for the
activations.
"""

from __future__ import annotations

import os

from nnterm.engine.nn.optimizers import state_arrays
from nnterm.engine.training.config import Config

#: Share of the machine's memory a run may take by default.
DEFAULT_SHARE = 0.5
#: Where ``set_limit`` keeps the limit: the environment, so that the engine process and
#: the pool's workers, started later, keep to it too.
LIMIT_VARIABLE = "NNTERM_MAX_MEMORY"


class TooBig(ValueError):
    """A run over the memory limit; ``key`` names the setting to lower."""

    def __init__(self, message: str, key: str) -> None:
        super().__init__(message)
        self.key = key


def machine_memory() -> int:
    """Bytes of physical memory (0 if unknown)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 0


def limit() -> int:
    """The limit in bytes: ``set_limit``'s, else ``DEFAULT_SHARE`` of the machine's."""
    given = os.environ.get(LIMIT_VARIABLE, "")
    if given.isdigit():
        return int(given)
    total = machine_memory()
    return int(total * DEFAULT_SHARE) if total else 2**63


def set_limit(bytes_: int | None) -> None:
    """Set the limit for this process and those it starts (None: the default)."""
    if bytes_ is None:
        os.environ.pop(LIMIT_VARIABLE, None)
    else:
        os.environ[LIMIT_VARIABLE] = str(int(bytes_))


def parse_size(text: str) -> int:
    """``4G``, ``500M``, ``2.5GB``, ``1000000`` as bytes; ValueError otherwise."""
    units = {"": 1, "K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}
    clean = text.strip().upper().removesuffix("B")
    number, unit = (clean[:-1], clean[-1]) if clean[-1:] in units else (clean, "")
    value = float(number) * units[unit]
    if not value > 0 or value == float("inf"):
        raise ValueError(f"{text!r} is not a size")
    return int(value)


def estimate(config: Config, input_dim: int, output_dim: int) -> dict[str, int]:
    """Bytes per part of a run (see the module docstring); a network that reads features
    of its inputs has one input unit per feature."""
    item = 4 if config.model.dtype == "float32" else 8
    widths = [len(config.data.features) or input_dim, *config.model.hidden, output_dim]
    params = sum((a + 1) * b for a, b in zip(widths, widths[1:], strict=False))
    o = config.train.optimizer
    moments = len(state_arrays(o.name, o.kwargs()))
    d = config.data
    examples = d.n_train + d.n_val
    batch = config.train.batch_size or d.n_train
    evaluated = max(d.n_val, min(d.n_train, 2048))
    return {
        "weights": 2 * params * item,  # and their gradients
        "optimizer state": moments * params * item,
        "data": examples * (input_dim + output_dim) * item,
        "activations": 3 * batch * sum(widths) * item,  # inputs, outputs, gradients
        "evaluation": 2 * evaluated * max(widths) * item,
    }


_KEYS = {"weights": "model.hidden", "optimizer state": "model.hidden", "data": "data.n_train",
         "activations": "train.batch_size", "evaluation": "data.n_val"}


def check(config: Config, input_dim: int, output_dim: int) -> None:
    """TooBig if ``estimate`` is over ``limit()``."""
    parts = estimate(config, input_dim, output_dim)
    total = sum(parts.values())
    if total > limit():
        detail = ", ".join(f"{name} {size(b)}" for name, b in parts.items() if b)
        raise TooBig(f"this run needs about {size(total)} of memory ({detail}), over the "
                     f"limit of {size(limit())} (--max-memory changes it)",
                     _culprit(config, parts, input_dim, output_dim))


def _culprit(config: Config, parts: dict[str, int], input_dim: int, output_dim: int) -> str:
    """The setting behind the biggest part: the data's own widths (``data.params``: its
    dimensions or classes) when they outgrow the hidden layers, the training set when
    a full batch is the problem."""
    most = max(parts, key=parts.__getitem__)
    key = _KEYS[most]
    if key == "model.hidden" and max(input_dim, output_dim) > max(config.model.hidden,
                                                                  default=0):
        return "data.params"
    if key == "train.batch_size" and not config.train.batch_size:
        return "data.n_train"
    return key


def size(bytes_: float) -> str:
    """``1.5 GB``, ``320 MB``, ``12 kB``."""
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if bytes_ >= scale:
            return f"{bytes_ / scale:.3g} {unit}"
    return f"{bytes_:.0f} B"
