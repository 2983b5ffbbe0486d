"""Element-wise activation functions and their derivatives.

Each activation is a pair ``forward(z) -> a`` and ``derivative(z, a) -> da/dz``; the
derivative receives both the pre-activation ``z`` and the output ``a`` so that sigmoid and
tanh can reuse ``a`` (sigma' = a (1 - a), tanh' = 1 - a^2) instead of recomputing it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from nnterm.engine.nn.hyperparams import NON_NEGATIVE, Hyperparam

SQRT_2 = math.sqrt(2.0)  # Python floats keep float32 arrays float32 (NEP 50)
INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)

#: Fraction of units counted as saturated: |tanh| > 0.99, sigmoid < 0.01 or > 0.99.
SATURATION_THRESHOLD = 0.99


@dataclass(frozen=True)
class Activation:
    """An activation function with its derivative and, if it saturates, how to detect it."""

    name: str
    forward: Callable[[np.ndarray], np.ndarray]
    derivative: Callable[[np.ndarray, np.ndarray], np.ndarray]
    saturated: Callable[[np.ndarray], np.ndarray] | None = None
    #: leaky_relu's slope (the one parameter an activation has); 0 for the others.
    slope: float = 0.0

    def __reduce__(self) -> tuple[object, ...]:
        """Pickled by name (its functions are lambdas and closures): a lesson's runs
        move between the app and an engine process (``live.moving_session``)."""
        return get_activation, (self.name, self.slope)


def sigmoid(z: np.ndarray) -> np.ndarray:
    """sigma(z) = 1 / (1 + e^-z), written via tanh so that it never overflows."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _erf(x: np.ndarray) -> np.ndarray:
    """SciPy's erf, imported at the first GELU: the import takes 0.1 s that every other
    command and lesson would pay at start-up."""
    from scipy.special import erf

    result: np.ndarray = erf(x)
    return result


def _gelu(z: np.ndarray) -> np.ndarray:
    """GELU(z) = z Phi(z) with the exact normal CDF Phi(z) = (1 + erf(z / sqrt 2)) / 2."""
    return 0.5 * z * (1.0 + _erf(z / SQRT_2))


def _gelu_derivative(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    """d/dz [z Phi(z)] = Phi(z) + z phi(z), phi the standard normal density."""
    slope: np.ndarray = 0.5 * (1.0 + _erf(z / SQRT_2)) + z * INV_SQRT_2PI * np.exp(-0.5 * z * z)
    return slope


def _silu(z: np.ndarray) -> np.ndarray:
    """SiLU(z) = z sigma(z)."""
    silu: np.ndarray = z * sigmoid(z)
    return silu


def _silu_derivative(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    """d/dz [z sigma(z)] = sigma(z) (1 + z (1 - sigma(z)))."""
    s = sigmoid(z)
    return s * (1.0 + z * (1.0 - s))


#: The one hyperparameter of an activation (``model.leaky_slope``). Not live: a running
#: trainer keeps the slope it was built with, so a new one starts the run over.
LEAKY_SLOPE = Hyperparam("leaky_slope", 0.01, NON_NEGATIVE, "leaky_relu's slope for z < 0",
                         live=False)


def leaky_relu(slope: float) -> Activation:
    """LeakyReLU(z) = z if z > 0 else slope * z (Maas et al. 2013; torch default slope 0.01)."""

    def forward(z: np.ndarray) -> np.ndarray:
        return np.where(z > 0, z, slope * z)

    def derivative(z: np.ndarray, a: np.ndarray) -> np.ndarray:
        return np.where(z > 0, 1.0, slope).astype(z.dtype, copy=False)

    return Activation("leaky_relu", forward, derivative, slope=slope)


IDENTITY = Activation("identity", lambda z: z, lambda z, a: np.ones_like(z))
RELU = Activation(
    "relu",
    lambda z: np.maximum(z, 0.0),
    lambda z, a: z > 0,  # a boolean mask: multiplying by it keeps the float dtype
)
SIGMOID = Activation(
    "sigmoid",
    sigmoid,
    lambda z, a: a * (1.0 - a),
    lambda a: (a < 1.0 - SATURATION_THRESHOLD) | (a > SATURATION_THRESHOLD),
)
TANH = Activation(
    "tanh",
    np.tanh,
    lambda z, a: 1.0 - a * a,
    lambda a: np.abs(a) > SATURATION_THRESHOLD,
)
GELU = Activation("gelu", _gelu, _gelu_derivative)
SILU = Activation("silu", _silu, _silu_derivative)

#: Names accepted wherever an activation is configured.
ACTIVATIONS = ("identity", "relu", "leaky_relu", "gelu", "silu", "sigmoid", "tanh")

_FIXED = {a.name: a for a in (IDENTITY, RELU, SIGMOID, TANH, GELU, SILU)}


def get_activation(name: str, leaky_slope: float = LEAKY_SLOPE.default) -> Activation:
    """Return the activation called ``name``; ``leaky_slope`` is used by ``leaky_relu`` only."""
    if name == "leaky_relu":
        return leaky_relu(leaky_slope)
    try:
        return _FIXED[name]
    except KeyError:
        raise ValueError(
            f"unknown activation {name!r}; allowed: {', '.join(ACTIVATIONS)}"
        ) from None
