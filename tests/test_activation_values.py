"""Every activation and its derivative pinned to known values, so that one cannot stand
in for another (a gradient check only proves that a function and its derivative agree:
SiLU in GELU's place would pass it). Literal values are from tables; the grid is checked
against formulas computed here with ``math``, independently of the engine's NumPy code."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnterm.engine.nn.activations import get_activation

Z = (-3.0, -1.0, -0.25, 0.0, 0.5, 1.0, 2.5)


def sigma(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def phi(z: float) -> float:  # the standard normal density
    return math.exp(-z * z / 2) / math.sqrt(2 * math.pi)


def Phi(z: float) -> float:  # its distribution function
    return 0.5 * (1 + math.erf(z / math.sqrt(2)))


#: name: (f(z), f'(z)), derivatives at 0 as torch takes them (relu'(0) = 0,
#: leaky_relu'(0) = the slope)
REFERENCE = {
    "identity": (lambda z: z, lambda z: 1.0),
    "relu": (lambda z: max(z, 0.0), lambda z: 1.0 if z > 0 else 0.0),
    "leaky_relu": (lambda z: z if z > 0 else 0.01 * z, lambda z: 1.0 if z > 0 else 0.01),
    "gelu": (lambda z: z * Phi(z), lambda z: Phi(z) + z * phi(z)),
    "silu": (lambda z: z * sigma(z), lambda z: sigma(z) * (1 + z * (1 - sigma(z)))),
    "sigmoid": (sigma, lambda z: sigma(z) * (1 - sigma(z))),
    "tanh": (math.tanh, lambda z: 1 - math.tanh(z) ** 2),
}

#: (name, z, f(z), f'(z)) from tables, to six places.
KNOWN = [
    ("gelu", 1.0, 0.841345, 1.083315),
    ("gelu", -1.0, -0.158655, -0.083315),
    ("silu", 1.0, 0.731059, 0.927671),
    ("silu", -1.0, -0.268941, 0.072329),
    ("sigmoid", 0.0, 0.5, 0.25),
    ("sigmoid", 2.0, 0.880797, 0.104994),
    ("tanh", 1.0, 0.761594, 0.419974),
    ("tanh", 0.0, 0.0, 1.0),
    ("relu", -1.0, 0.0, 0.0),
    ("leaky_relu", -2.0, -0.02, 0.01),
]


def evaluate(name: str, z: float) -> tuple[float, float]:
    act = get_activation(name)
    x = np.array([z])
    a = act.forward(x)
    return float(a[0]), float(act.derivative(x, a)[0])


@pytest.mark.parametrize("name", list(REFERENCE))
def test_each_activation_matches_its_formula_on_a_grid(name):
    f, df = REFERENCE[name]
    for z in Z:
        value, slope = evaluate(name, z)
        assert value == pytest.approx(f(z), abs=1e-12), (name, z)
        assert slope == pytest.approx(df(z), abs=1e-12), (name, z)


@pytest.mark.parametrize("name, z, value, slope", KNOWN)
def test_known_values(name, z, value, slope):
    got_value, got_slope = evaluate(name, z)
    assert got_value == pytest.approx(value, abs=5e-7)
    assert got_slope == pytest.approx(slope, abs=5e-7)


def test_no_two_activations_agree():
    table = {name: [evaluate(name, z) for z in Z] for name in REFERENCE}
    names = list(table)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            assert table[a] != table[b], f"{a} and {b} give the same values"
