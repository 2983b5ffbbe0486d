"""Random flips of image inputs: data augmentation for pictures whose label a mirror keeps.

A flipped training image is a new, equally true example (a bar mirrored is still a bar of
the same kind), so a net shown flips of a few images learns from more than it memorises.
Flips are drawn from a Generator passed in and happen to training batches only.
"""

from __future__ import annotations

import numpy as np

#: The ``train.flips`` choices: ``horizontal`` mirrors left-right (each column ``c`` of a
#: width-``w`` image goes to ``w - 1 - c``), ``vertical`` top-bottom, ``both`` each one
#: independently.
FLIPS = ("none", "horizontal", "vertical", "both")

#: The image axis each choice may mirror, in the order their coins are drawn
#: (axis 1: rows, so top-bottom; axis 2: columns, so left-right).
_AXES = {"none": (), "horizontal": (2,), "vertical": (1,), "both": (2, 1)}


def random_flips(
    X: np.ndarray, image_shape: tuple[int, int], flips: str, rng: np.random.Generator
) -> np.ndarray:
    """Each row of ``X``, a row-major image of ``image_shape``, mirrored along each axis of
    ``flips`` with probability 1/2, independently per example and per axis (one coin per
    example and axis: ``rng.random(n) < 0.5``, left-right first).

    Returns ``X`` itself (no copy, no draw) for ``"none"``; otherwise a new array of the
    same shape and dtype.
    """
    if flips not in _AXES:
        raise ValueError(f"unknown flips {flips!r}; choose one of: {', '.join(FLIPS)}")
    axes = _AXES[flips]
    if not axes:
        return X
    images = X.reshape(len(X), *image_shape).copy()
    for axis in axes:
        coin = rng.random(len(X)) < 0.5
        images[coin] = np.flip(images[coin], axis=axis)
    return images.reshape(X.shape)
