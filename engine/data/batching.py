"""Mini-batches of indices, one call per training step."""

from __future__ import annotations

import numpy as np


class BatchSampler:
    """Mini-batches of indices into ``n`` examples, epoch after epoch.

    Semantics of ``torch.utils.data.DataLoader(shuffle=True, drop_last=False)``: each epoch
    draws a fresh permutation of ``0..n-1`` from ``rng`` and cuts it into consecutive
    batches of ``batch_size``; the last batch of an epoch holds what is left (it may be
    smaller). Every index appears exactly once per epoch.

    ``batch_size`` may be changed between calls; it is clamped to ``1..n`` and takes effect
    at the next batch (the current epoch carries on from where it was). ``epoch`` counts
    completed epochs: it goes up when the last batch of an epoch is handed out. With
    ``batch_size == n`` (full batch) every call returns ``0..n-1`` in order and draws
    nothing from ``rng`` (the order of a full batch only changes rounding).

    ``next_batch`` costs a slice of a precomputed permutation (one ``rng.permutation`` per
    epoch), because it runs once per step of nets so small that Python overhead dominates.
    The returned arrays are views: read them, do not write to them.
    """

    __slots__ = ("n", "epoch", "_batch_size", "_rng", "_perm", "_pos", "_all")

    def __init__(self, n: int, batch_size: int, rng: np.random.Generator):
        if isinstance(n, bool) or int(n) != n or n < 1:
            raise ValueError(f"BatchSampler needs n >= 1 examples, got {n!r}")
        self.n = int(n)
        self.epoch = 0
        self._rng = rng
        self._all = np.arange(self.n)
        self._all.flags.writeable = False
        self._perm = self._all
        self._pos = self.n  # the next call starts an epoch
        self.batch_size = batch_size

    @property
    def batch_size(self) -> int:
        return self._batch_size

    @batch_size.setter
    def batch_size(self, value: int) -> None:
        self._batch_size = max(1, min(self.n, int(value)))

    @property
    def steps_per_epoch(self) -> int:
        """Batches in one epoch at the current batch size: ``ceil(n / batch_size)``."""
        return -(-self.n // self._batch_size)

    def position(self) -> tuple[np.ndarray, int, int]:
        """Where the sampler is: this epoch's order, the next batch's start in it, and the
        epochs completed (with its generator's state, all a copy needs to go on alike)."""
        return self._perm, self._pos, self.epoch

    def go_to(self, order: np.ndarray, start: int, epoch: int) -> None:
        """Continue from a ``position()`` (an order of ``0..n-1``, a start in ``0..n``)."""
        if sorted(order.tolist()) != list(range(self.n)) or not 0 <= start <= self.n:
            raise ValueError(f"not a position of a sampler of {self.n} examples")
        self._perm, self._pos, self.epoch = np.array(order, np.int64), int(start), int(epoch)

    def next_batch(self) -> np.ndarray:
        """The indices of the next mini-batch (int64, 1..batch_size of them)."""
        pos = self._pos
        if pos >= self.n:
            if self._batch_size == self.n:
                self.epoch += 1
                return self._all
            self._perm = self._rng.permutation(self.n)
            pos = 0
        stop = pos + self._batch_size
        self._pos = stop
        if stop >= self.n:
            self.epoch += 1
        return self._perm[pos:stop]
