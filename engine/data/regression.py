"""Regression tasks: targets are float64 of shape ``(n, 1)``; ``noise`` is the std of Gaussian
noise added to the target (``y = f(x) + eps``, ``eps ~ N(0, noise^2)``).

``sine`` is a plain generator ``sine(n, rng, ...) -> (X, y)``. The tasks with a random
target function (``Teacher``, ``RandomFeatures``, ``IllConditioned``) are frozen, picklable
objects: ``from_rng`` draws the function once, ``target(X)`` evaluates it without noise,
and calling the object ``task(n, rng) -> (X, y)`` samples fresh examples of the *same*
function.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from nnterm.engine.data._checks import check_float, check_int, check_std


def _noisy(f: np.ndarray, noise: float, rng: np.random.Generator) -> np.ndarray:
    y = f.reshape(-1, 1)
    if noise > 0:
        y = y + noise * rng.standard_normal(y.shape)
    return y


def sine(
    n: int, rng: np.random.Generator, *, noise: float = 0.1, frequency: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """1-D regression: ``x ~ U[-pi, pi]``, ``y = sin(frequency * x) + eps``."""
    frequency = check_float("sine: frequency", frequency)
    x = rng.uniform(-np.pi, np.pi, size=(n, 1))
    return x, _noisy(np.sin(frequency * x), noise, rng)


@dataclass(frozen=True, eq=False)
class Teacher:
    """A random tanh teacher network ``dim -> hidden -> 1`` (SCENARIOS recipe 10):
    ``x ~ N(0, I_dim)``, ``y = w2 . tanh(W1 x + b1) + eps``.

    Weights drawn once by ``from_rng``: ``W1 ~ N(0, scale^2 / dim)`` (so each hidden
    pre-activation has std ``sqrt(scale^2 + 1)`` whatever ``dim``), ``b1 ~ N(0, 1)``,
    ``w2 ~ N(0, 1 / hidden)``. With ``scale=2`` the teacher is clearly nonlinear
    (Var y ~ 0.3-0.7) and students of 9..257 parameters trace a power law whose exponent
    falls with ``dim`` (measured alpha ~1.2-1.5 for dim 2, ~0.8-0.9 for dim 4, seeds 0-2);
    a torch-initialised teacher (``U(+-1/sqrt(fan_in))``) is nearly linear and its curve
    flattens (alpha ~0.7 at dim 2).
    """

    W1: NDArray[np.float64]  # (dim, hidden)
    b1: NDArray[np.float64]  # (hidden,)
    w2: NDArray[np.float64]  # (hidden,)
    noise: float = 0.0

    @classmethod
    def from_rng(
        cls,
        rng: np.random.Generator,
        *,
        dim: int = 2,
        hidden: int = 64,
        scale: float = 2.0,
        noise: float = 0.0,
    ) -> Teacher:
        d = check_int("teacher_student: dim", dim, 1)
        h = check_int("teacher_student: hidden", hidden, 1)
        scale = check_std("teacher_student: scale", scale)
        W1 = rng.standard_normal((d, h)) * (scale / np.sqrt(d))
        b1 = rng.standard_normal(h)
        w2 = rng.standard_normal(h) / np.sqrt(h)
        return cls(W1, b1, w2, check_std("teacher_student: noise", noise))

    @property
    def dim(self) -> int:
        return int(self.W1.shape[0])

    def target(self, X: NDArray[np.float64]) -> NDArray[np.float64]:
        """The teacher's noise-free output, shape ``(n, 1)``."""
        return (np.tanh(X @ self.W1 + self.b1) @ self.w2).reshape(-1, 1)

    def __call__(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        X = rng.standard_normal((n, self.dim))
        return X, _noisy(self.target(X), self.noise, rng)


@dataclass(frozen=True, eq=False)
class RandomFeatures:
    """The double-descent task (SCENARIOS recipe 9): ``x ~ N(0, I_dim)``,
    ``y = b . x + 0.5 tanh(x0 x1) + eps`` with ``b ~ N(0, I/dim)`` drawn once by
    ``from_rng`` (so train, validation and fresh samples share one target function) and
    ``eps ~ N(0, noise^2)``, ``noise = 0.5`` by default."""

    b: NDArray[np.float64]  # (dim,)
    noise: float = 0.5

    @classmethod
    def from_rng(
        cls, rng: np.random.Generator, *, dim: int = 20, noise: float = 0.5
    ) -> RandomFeatures:
        d = check_int("random_features: dim", dim, 2)
        b = rng.standard_normal(d) / np.sqrt(d)
        return cls(b, check_std("random_features: noise", noise))

    @property
    def dim(self) -> int:
        return len(self.b)

    def target(self, X: NDArray[np.float64]) -> NDArray[np.float64]:
        """The noise-free target ``b . x + 0.5 tanh(x0 x1)``, shape ``(n, 1)``."""
        return (X @ self.b + 0.5 * np.tanh(X[:, 0] * X[:, 1])).reshape(-1, 1)

    def __call__(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        X = rng.standard_normal((n, self.dim))
        return X, _noisy(self.target(X), self.noise, rng)


@dataclass(frozen=True, eq=False)
class IllConditioned:
    """Linear regression on badly scaled inputs (SCENARIOS recipe 6, the optimizers lesson):
    ``x_j ~ N(0, s_j^2)`` with scales ``s_j`` spaced geometrically from 1 to
    ``sqrt(condition)`` (1 and ~31.6 for ``dim=2``), ``y = w . x + eps`` with
    ``w_j = +-1 / s_j`` (signs drawn once by ``from_rng``), so every input contributes
    variance 1 to the target however it is scaled, and ``eps ~ N(0, noise^2)``.

    For a linear model with MSE the loss is a quadratic whose Hessian ``2 E[x x^T]`` is
    ``2 diag(s_j^2)``: its condition number is ``condition`` (the bias direction has
    curvature 2, like the smallest scale). Gradient descent must keep its step below
    ``2 / lambda_max`` for the steep direction and then crawls along the flat one;
    momentum and Adam (which rescales each coordinate) do not.
    """

    w: NDArray[np.float64]  # (dim,)
    scales: NDArray[np.float64]  # (dim,)
    noise: float = 0.0

    @classmethod
    def from_rng(
        cls,
        rng: np.random.Generator,
        *,
        dim: int = 2,
        condition: float = 1000.0,
        noise: float = 0.0,
    ) -> IllConditioned:
        d = check_int("ill_conditioned: dim", dim, 1)
        condition = check_float("ill_conditioned: condition", condition, 1.0)
        scales = np.sqrt(condition) ** (np.arange(d) / max(d - 1, 1))
        signs = rng.choice([-1.0, 1.0], size=d)
        return cls(signs / scales, scales, check_std("ill_conditioned: noise", noise))

    @property
    def dim(self) -> int:
        return len(self.w)

    def target(self, X: NDArray[np.float64]) -> NDArray[np.float64]:
        """The noise-free target ``w . x``, shape ``(n, 1)``."""
        return (X @ self.w).reshape(-1, 1)

    def __call__(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        X = rng.standard_normal((n, self.dim)) * self.scales
        return X, _noisy(self.target(X), self.noise, rng)
