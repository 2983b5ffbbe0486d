"""The engine beside a minimal NumPy training loop (``benchmarks/engine.py --only minimal``).

For each network (ReLU hidden layers, softmax cross-entropy, Adam lr 1e-3, mini-batches
from a reshuffled permutation each epoch) steps/s of

* ``minimal``: forward, backward and Adam written out inline, nothing else;
* ``engine``: ``nnterm.engine.training.trainer.Trainer`` with telemetry at its default
  interval,

and the ratio engine/minimal. Both run in this process, alternating, best of the rounds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from rich.table import Table


@dataclass(frozen=True)
class Case:
    sizes: tuple[int, ...]
    batch: int
    steps: int
    n_train: int


CASES = (
    Case((2, 8, 8, 2), 32, 6000, 1000),
    Case((2, 64, 64, 2), 32, 4000, 1000),
    Case((784, 256, 256, 10), 128, 300, 4096),
)


def config_for(case: Case) -> Any:
    from nnterm.engine.training.config import (
        Config,
        DataConfig,
        ModelConfig,
        OptimizerConfig,
        TrainConfig,
    )

    d, *hidden, k = case.sizes
    data = (
        DataConfig(name="moons", n_train=case.n_train, n_val=256, noise=0.1)
        if d == 2
        else DataConfig(name="random_classification", n_train=case.n_train, n_val=256,
                        params={"dim": d, "n_classes": k, "rule": "linear"})
    )
    return Config(
        data=data,
        model=ModelConfig(hidden=tuple(hidden), activation="relu", init="he_normal"),
        train=TrainConfig(steps=10**9, batch_size=case.batch,
                          optimizer=OptimizerConfig("adam", lr=1e-3)),
        seed=0,
    )


def minimal_loop(X: np.ndarray, y: np.ndarray, sizes, batch: int, steps: int) -> float:
    """Steps per second of the plainest NumPy training loop for the same network."""
    rng = np.random.default_rng(0)
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
        params += [rng.normal(0, np.sqrt(2 / fan_in), (fan_in, fan_out)), np.zeros(fan_out)]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    lr, b1, b2, eps = 1e-3, 0.9, 0.999, 1e-8
    n, L = len(X), len(sizes) - 1
    perm, pos = rng.permutation(n), 0
    start = time.perf_counter()
    for t in range(1, steps + 1):
        if pos >= n:
            perm, pos = rng.permutation(n), 0
        idx = perm[pos:pos + batch]
        pos += batch
        a, yb = X[idx], y[idx]
        acts, zs = [a], []
        for i in range(L):
            z = acts[-1] @ params[2 * i] + params[2 * i + 1]
            zs.append(z)
            if i < L - 1:
                acts.append(np.maximum(z, 0))
        z = zs[-1]
        e = np.exp(z - z.max(axis=1, keepdims=True))
        dz = e / e.sum(axis=1, keepdims=True)
        dz[np.arange(len(yb)), yb] -= 1
        dz /= len(yb)
        grads = [None] * (2 * L)
        for i in range(L - 1, -1, -1):
            grads[2 * i] = acts[i].T @ dz
            grads[2 * i + 1] = dz.sum(axis=0)
            if i:
                dz = (dz @ params[2 * i].T) * (zs[i - 1] > 0)
        bc1, bc2 = 1 - b1**t, 1 - b2**t
        for p, g, mi, vi in zip(params, grads, m, v, strict=True):
            mi *= b1
            mi += (1 - b1) * g
            vi *= b2
            vi += (1 - b2) * g * g
            p -= (lr / bc1) * mi / (np.sqrt(vi) / np.sqrt(bc2) + eps)
    return steps / (time.perf_counter() - start)


def engine_loop(config: Any, steps: int) -> float:
    from nnterm.engine.training.trainer import Trainer

    trainer = Trainer(config)
    start = time.perf_counter()
    trainer.run(steps=steps)
    return steps / (time.perf_counter() - start)


def minimal_table(rounds: int, quick: bool) -> Table:
    from nnterm.engine.training.trainer import Trainer

    table = Table(title="engine vs minimal NumPy loop (steps/s, best of rounds)")
    for col in ("network", "batch", "minimal", "engine", "ratio"):
        table.add_column(col, justify="right")
    for case in CASES:
        steps = max(20, case.steps // 10) if quick else case.steps
        config = config_for(case)
        data = Trainer(config).dataset
        X, y = data.X_train, data.y_train
        best_min = best_eng = 0.0
        for _ in range(rounds):
            best_min = max(best_min, minimal_loop(X, y, case.sizes, case.batch, steps))
            best_eng = max(best_eng, engine_loop(config, steps))
        table.add_row("-".join(map(str, case.sizes)), str(case.batch), f"{best_min:,.0f}",
                      f"{best_eng:,.0f}", f"{best_eng / best_min:.2f}x")
    return table
