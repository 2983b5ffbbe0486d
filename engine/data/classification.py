"""Classification in d dimensions: Gaussian blobs and random high-dimensional rules.

Each task is a frozen, picklable object built once from a Generator (``from_rng``: the
fixed parts, such as blob centres or a rule's weights) and then called as a sampler,
``task(n, rng) -> (X, y)`` with ``X`` float64 ``(n, dim)`` and ``y`` int64 ``(n,)``. Labels
are decided on the clean inputs; ``noise`` then moves every input by ``N(0, noise^2)`` per
coordinate and ``label_flip`` flips that fraction of labels to another class.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from nnterm.engine.data._checks import check_int, check_std
from nnterm.engine.data.noise import balanced_labels, flip_labels, jitter


@dataclass(frozen=True, eq=False)
class Blobs:
    """``n_classes`` Gaussian blobs in ``dim`` dimensions: ``x ~ N(c_y, spread^2 I)``.

    Centres ``c_k ~ U[-1, 1]^dim`` are fixed by the generator given to ``from_rng``.
    Classes are balanced.
    """

    centers: np.ndarray
    spread: float = 0.2
    noise: float = 0.0
    label_flip: float = 0.0

    @classmethod
    def from_rng(
        cls,
        rng: np.random.Generator,
        *,
        n_classes: int = 3,
        dim: int = 2,
        spread: float = 0.2,
        noise: float = 0.0,
        label_flip: float = 0.0,
    ) -> Blobs:
        k = check_int("blobs: n_classes", n_classes, 2)
        d = check_int("blobs: dim", dim, 1)
        spread = check_std("blobs: spread", spread)
        return cls(rng.uniform(-1.0, 1.0, size=(k, d)), spread, noise, label_flip)

    @property
    def n_classes(self) -> int:
        return len(self.centers)

    @property
    def dim(self) -> int:
        return int(self.centers.shape[1])

    def __call__(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        y = balanced_labels(n, self.n_classes, rng)
        X = self.centers[y] + self.spread * rng.standard_normal((n, self.dim))
        jitter(X, self.noise, rng)
        flip_labels(y, self.label_flip, self.n_classes, rng)
        return X, y


RULES = ("sin", "linear")


@dataclass(frozen=True, eq=False)
class RandomClassification:
    """High-dimensional classification with ``x ~ N(0, I_dim)`` and one of these rules:

    - ``rule="sin"`` (default; binary, ``dim >= 3``): ``y = [sin(2 x0) + x1 x2 > 0]``, the
      dead-ReLU recipe: a smooth nonlinear boundary that a healthy ReLU net fits
      (loss < 0.1) and a dead one cannot (stuck at ln 2 = 0.693).
    - ``rule="linear"`` (any ``n_classes``): ``y = argmax_k (x . w_k)``, ``w_k ~ N(0, I)``
      fixed by the generator given to ``from_rng``.
    - ``random_labels=True``: ``y`` uniform in ``0..n_classes-1``, independent of ``x``
      (the vanishing-gradient recipe; nothing to generalise, only to memorise).
    """

    weights: np.ndarray | None
    dim: int = 10
    n_classes: int = 2
    rule: str = "sin"
    random_labels: bool = False
    noise: float = 0.0
    label_flip: float = 0.0

    @classmethod
    def from_rng(
        cls,
        rng: np.random.Generator,
        *,
        dim: int = 10,
        n_classes: int = 2,
        rule: str = "sin",
        random_labels: bool = False,
        noise: float = 0.0,
        label_flip: float = 0.0,
    ) -> RandomClassification:
        d = check_int("random_classification: dim", dim, 1)
        k = check_int("random_classification: n_classes", n_classes, 2)
        if rule not in RULES:
            raise ValueError(f"random_classification: rule must be one of {RULES}, got {rule!r}")
        if not isinstance(random_labels, bool):
            raise ValueError(f"random_classification: random_labels must be true or false, "
                             f"got {random_labels!r}")
        if rule == "sin" and not random_labels and (k != 2 or d < 3):
            raise ValueError("random_classification: rule 'sin' needs n_classes 2 and dim >= 3 "
                             f"(got n_classes {k}, dim {d}); use rule 'linear' for more classes")
        weights = rng.standard_normal((d, k)) if rule == "linear" else None
        return cls(weights, d, k, rule, random_labels, noise, label_flip)

    def labels(self, X: NDArray[np.float64]) -> NDArray[np.int64]:
        """The rule's (noise-free) labels for inputs ``X`` (ignores ``random_labels``)."""
        if self.rule == "sin":
            return (np.sin(2 * X[:, 0]) + X[:, 1] * X[:, 2] > 0).astype(np.int64)
        assert self.weights is not None, "from_rng draws the weights of rule 'linear'"
        labels: NDArray[np.int64] = np.argmax(X @ self.weights, axis=1).astype(np.int64)
        return labels

    def __call__(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        X = rng.standard_normal((n, self.dim))
        if self.random_labels:
            y = rng.integers(0, self.n_classes, size=n, dtype=np.int64)
        else:
            y = self.labels(X)
        jitter(X, self.noise, rng)
        flip_labels(y, self.label_flip, self.n_classes, rng)
        return X, y
