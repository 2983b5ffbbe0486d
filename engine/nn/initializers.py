"""Weight and bias initialisation schemes for one dense layer ``y = x @ W + b``.

W has shape (fan_in, fan_out). The random schemes draw W with these statistics
(``gain`` multiplies every random scheme's scale):

=============== ========================================= ==============================
scheme          distribution of W                         why
=============== ========================================= ==============================
zeros           0                                         breaks nothing, learns nothing
constant        ``value``                                 symmetry never breaks
normal          N(0, std^2)                               the "init too small/large" lessons
uniform         U(-limit, limit)
xavier_uniform  U(-a, a), a = sqrt(6 / (fan_in + fan_out)) Var = 2/(fan_in+fan_out); tanh
xavier_normal   N(0, 2 / (fan_in + fan_out))              (Glorot & Bengio 2010)
he_uniform      U(-a, a), a = sqrt(6 / fan_in)            Var = 2/fan_in keeps ReLU's
he_normal       N(0, 2 / fan_in)                          spread (He et al. 2015)
torch_default   U(-1/sqrt(fan_in), 1/sqrt(fan_in))        ``nn.Linear``; Var = 1/(3 fan_in)
=============== ========================================= ==============================

Biases are 0 except under ``torch_default``, which draws them from the same
U(+-1/sqrt(fan_in)) as ``nn.Linear``; ``bias`` overrides either with a constant.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from nnterm.engine.nn.hyperparams import NON_NEGATIVE, Number, check, declared, hyperparam

INITS = (
    "zeros",
    "constant",
    "normal",
    "uniform",
    "xavier_uniform",
    "xavier_normal",
    "he_uniform",
    "he_normal",
    "torch_default",
)


#: Which options each init scheme reads (``bias`` applies to every scheme).
INIT_OPTIONS: dict[str, tuple[str, ...]] = {
    "zeros": (), "constant": ("value",), "normal": ("std", "gain"), "uniform": ("limit", "gain"),
    **{s: ("gain",) for s in INITS if s not in ("zeros", "constant", "normal", "uniform")},
}


@dataclass(frozen=True)
class Init:
    """How to initialise one layer: a scheme, its options and an optional bias value.

    The options are declared hyperparameters (``nn.hyperparams``); none is live, since a
    new init means new weights: ``model.init`` always starts the run over."""

    scheme: str = "torch_default"
    std: float = hyperparam(1.0, NON_NEGATIVE, "the standard deviation of N(0, std^2)",
                            live=False)
    limit: float = hyperparam(1.0, NON_NEGATIVE, "the bound of U(-limit, limit)", live=False)
    value: float = hyperparam(0.0, Number(), "every weight's value", live=False)
    gain: float = hyperparam(1.0, NON_NEGATIVE, "multiplies the scale of the draw", live=False)
    bias: float | None = hyperparam(None, Number(), "every bias (null: the scheme's own)",
                                    live=False)

    def __post_init__(self) -> None:
        if self.scheme not in INITS:
            raise ValueError(f"unknown init {self.scheme!r}; allowed: {', '.join(INITS)}")
        for param in declared(Init):
            check("init", param, getattr(self, param.name))


def for_scheme(init: Init, scheme: str) -> Init:
    """``init`` switched to ``scheme``, keeping the options the new scheme reads (and the
    bias) and setting the others back to their defaults: a ``std`` means nothing to
    ``uniform``, and a preset that says it is refused."""
    kept = {k: getattr(init, k) for k in (*INIT_OPTIONS[scheme], "bias")}
    return Init(scheme, **kept)


def as_init(spec: str | dict[str, Any] | Init) -> Init:
    """Accept ``"he_normal"``, ``{"scheme": "normal", "std": 0.01}`` or an ``Init``."""
    if isinstance(spec, Init):
        return spec
    if isinstance(spec, str):
        return Init(spec)
    if isinstance(spec, dict):
        return Init(**spec)
    raise TypeError(f"an init is a scheme name, a mapping or an Init, not {spec!r}")


def init_layer(
    spec: Init, fan_in: int, fan_out: int, rng: np.random.Generator, dtype: np.dtype
) -> tuple[np.ndarray, np.ndarray]:
    """Draw (W, b) for a dense layer with ``fan_in`` inputs and ``fan_out`` outputs."""
    shape = (fan_in, fan_out)
    s = spec.scheme
    if s == "zeros":
        w = np.zeros(shape)
    elif s == "constant":
        w = np.full(shape, spec.value, dtype=float)
    elif s in ("normal", "xavier_normal", "he_normal"):
        std = {
            "normal": spec.std,
            "xavier_normal": np.sqrt(2.0 / (fan_in + fan_out)),
            "he_normal": np.sqrt(2.0 / fan_in),
        }[s]
        w = rng.normal(0.0, spec.gain * std, size=shape)
    else:
        limit = {
            "uniform": spec.limit,
            "xavier_uniform": np.sqrt(6.0 / (fan_in + fan_out)),
            "he_uniform": np.sqrt(6.0 / fan_in),
            "torch_default": 1.0 / np.sqrt(fan_in),
        }[s]
        w = rng.uniform(-spec.gain * limit, spec.gain * limit, size=shape)

    if spec.bias is not None:
        b = np.full(fan_out, spec.bias, dtype=float)
    elif s == "torch_default":
        bound = 1.0 / np.sqrt(fan_in)
        b = rng.uniform(-bound, bound, size=fan_out)
    else:
        b = np.zeros(fan_out)
    return w.astype(dtype, copy=False), b.astype(dtype, copy=False)
