"""One seed, several independent random streams.

A run's seed fixes the data, the initial weights, the order of mini-batches, the dropout
masks, the input noise and the image flips, each drawn from its own stream, so that
changing one (say, the batch size) leaves the others untouched. New streams go at the end
of ``STREAMS``: a stream's index is part of its seed.
"""

from __future__ import annotations

import numpy as np

STREAMS = ("data", "init", "batches", "dropout", "input_noise", "probe", "flips")


def stream(seed: int, name: str) -> np.random.Generator:
    """The generator of stream ``name`` for ``seed``: PCG64 seeded with [seed, stream index]."""
    return np.random.default_rng([seed, STREAMS.index(name)])
