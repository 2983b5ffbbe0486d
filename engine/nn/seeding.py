"""One seed, several independent random streams.

A run's seed fixes the data, the initial weights, the order of mini-batches, the dropout
masks and the input noise, each drawn from its own stream, so that changing one (say, the
batch size) leaves the others untouched.
"""

from __future__ import annotations

import numpy as np

STREAMS = ("data", "init", "batches", "dropout", "input_noise", "probe")


def stream(seed: int, name: str) -> np.random.Generator:
    """The generator of stream ``name`` for ``seed``: PCG64 seeded with [seed, stream index]."""
    return np.random.default_rng([seed, STREAMS.index(name)])
