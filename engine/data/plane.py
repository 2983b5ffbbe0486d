"""Two-dimensional classification sets in the style of TensorFlow Playground.

Scale: every set lives in the box ``[-PLANE_EXTENT, PLANE_EXTENT]^2`` (1.5) with features of
order 1 (Playground uses [-6, 6]; we use unit scale, so ``noise`` means the same thing on
every set). The exception is the classic 4-point XOR, on the corners of the unit square.

Each generator is ``f(n, rng, *, noise=0.0, label_flip=0.0, ...) -> (X, y)`` with ``X``
float64 ``(n, 2)`` and ``y`` int64 ``(n,)``. Labels are decided on the clean points; then
``noise`` moves every point by ``N(0, noise^2)`` per coordinate (so classes overlap), and
``label_flip`` flips ``round(label_flip * n)`` labels to another class (see
``noise.flip_labels``). All randomness comes from ``rng``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from nnterm.engine.data._checks import check_float, check_int, check_std
from nnterm.engine.data.noise import balanced_labels, flip_labels, jitter

#: Half-width of the box that holds every 2-D set (except the 4-point XOR).
PLANE_EXTENT = 1.5

#: The four points of the classic XOR problem and their labels (Minsky & Papert 1969).
XOR_POINTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_LABELS = np.array([0, 1, 1, 0], dtype=np.int64)


def _finish(
    X: NDArray[np.float64],
    y: NDArray[np.int64],
    n_classes: int,
    noise: float,
    label_flip: float,
    rng: np.random.Generator,
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    jitter(X, noise, rng)
    flip_labels(y, label_flip, n_classes, rng)
    return X, y


def xor(
    n: int,
    rng: np.random.Generator,
    *,
    noise: float = 0.0,
    label_flip: float = 0.0,
    points: int | None = None,
    margin: float = 0.05,
) -> tuple[np.ndarray, np.ndarray]:
    """Four quadrants: ``|x_i| ~ U[margin, 1]`` with a random sign, ``y = [x0 * x1 < 0]``.

    Class 1 is the two quadrants where the signs differ, as in the truth table of XOR
    (``margin`` keeps points off the axes, like Playground's padding).

    ``points=4``: the classic XOR, the corners ``(0,0), (0,1), (1,0), (1,1)`` with labels
    ``0, 1, 1, 0``, repeated in that order to ``n`` examples (``n=4`` is the exact
    problem; no randomness unless ``noise`` or ``label_flip`` ask for it).
    """
    if points is not None:
        if points != 4:
            raise ValueError(f"xor: points must be 4 (the classic XOR) or omitted, got {points!r}")
        idx = np.arange(n) % 4
        return _finish(XOR_POINTS[idx], XOR_LABELS[idx], 2, noise, label_flip, rng)
    margin = check_float("xor: margin", margin, 0.0, 0.99)
    mag = rng.uniform(margin, 1.0, size=(n, 2))
    sign = np.where(rng.random((n, 2)) < 0.5, -1.0, 1.0)
    X = mag * sign
    y = (X[:, 0] * X[:, 1] < 0).astype(np.int64)
    return _finish(X, y, 2, noise, label_flip, rng)


def circle(
    n: int, rng: np.random.Generator, *, noise: float = 0.0, label_flip: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Inner disk vs ring: angle ``a ~ U[0, 2pi)``, ``x = r (cos a, sin a)`` with
    ``r ~ U[0, 0.5]`` for class 0 (disk) and ``r ~ U[0.7, 1]`` for class 1 (ring).
    Classes are balanced."""
    y = balanced_labels(n, 2, rng)
    r = np.where(y == 0, rng.uniform(0.0, 0.5, n), rng.uniform(0.7, 1.0, n))
    a = rng.uniform(0.0, 2 * np.pi, n)
    X = np.column_stack([r * np.cos(a), r * np.sin(a)])
    return _finish(X, y, 2, noise, label_flip, rng)


def gauss(
    n: int,
    rng: np.random.Generator,
    *,
    noise: float = 0.0,
    label_flip: float = 0.0,
    spread: float = 0.25,
    n_classes: int = 2,
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian blobs ``x ~ N(mu_y, spread^2 I)``, one per class, their centres evenly
    spaced on the circle of radius sqrt(1/2) starting at ``(-0.5, -0.5)``: two classes
    sit at ``(-0.5, -0.5)`` and ``(0.5, 0.5)``, four at the corners ``(+-0.5, +-0.5)``.
    Classes are balanced."""
    spread = check_std("gauss: spread", spread)
    k = check_int("gauss: n_classes", n_classes, 2)
    y = balanced_labels(n, k, rng)
    X = gauss_centers(k)[y] + spread * rng.standard_normal((n, 2))
    return _finish(X, y, k, noise, label_flip, rng)


def gauss_centers(n_classes: int) -> NDArray[np.float64]:
    """The ``gauss`` blob centres, (n_classes, 2); rounded to 12 decimals, so that the
    corners come out as exactly +-0.5 (cos and sin of 5 pi/4 are not exact)."""
    angles = 1.25 * np.pi + 2.0 * np.pi * np.arange(n_classes) / n_classes
    centers: NDArray[np.float64] = np.round(
        np.sqrt(0.5) * np.column_stack([np.cos(angles), np.sin(angles)]), 12)
    return centers


def spiral(
    n: int,
    rng: np.random.Generator,
    *,
    noise: float = 0.0,
    label_flip: float = 0.0,
    n_classes: int = 2,
    turns: float = 1.75,
) -> tuple[np.ndarray, np.ndarray]:
    """``n_classes`` interleaved spiral arms: ``t ~ U[0, 1]``, ``r = t``,
    ``a = 2pi (turns t + y / n_classes)``, ``x = r (cos a, sin a)``.
    ``turns=1.75`` is Playground's spiral. Classes are balanced."""
    n_classes = check_int("spiral: n_classes", n_classes, 2)
    turns = check_float("spiral: turns", turns)
    y = balanced_labels(n, n_classes, rng)
    t = rng.random(n)
    a = 2 * np.pi * (turns * t + y / n_classes)
    X = np.column_stack([t * np.cos(a), t * np.sin(a)])
    return _finish(X, y, n_classes, noise, label_flip, rng)


def moons(
    n: int, rng: np.random.Generator, *, noise: float = 0.0, label_flip: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved half circles, as ``sklearn.datasets.make_moons`` but centred:
    ``t ~ U[0, pi]``; class 0 ``(cos t, sin t)``, class 1 ``(1 - cos t, 0.5 - sin t)``;
    then shifted by ``-(0.5, 0.25)`` so the set spans [-1.5, 1.5] x [-0.75, 0.75].
    ``noise`` is in sklearn's units (a translation changes nothing). Classes are balanced."""
    y = balanced_labels(n, 2, rng)
    t = rng.uniform(0.0, np.pi, n)
    c, s = np.cos(t), np.sin(t)
    X = np.where(y[:, None] == 0, np.column_stack([c, s]), np.column_stack([1 - c, 0.5 - s]))
    X -= np.array([0.5, 0.25])
    return _finish(X, y, 2, noise, label_flip, rng)
