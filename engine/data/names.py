"""Character-level next-token prediction on first names (Bengio et al. 2003; SCENARIOS 11).

Corpus: the 5,163 first names of the 1990 US Census frequency lists (U.S. Census Bureau,
public domain), as shipped in the PyPI package ``names`` 0.3.0 (MIT); package data
``names.txt``, one lowercase name per line.

Vocabulary: ``'.'`` (the boundary, index 0) and ``a..z`` (1..26): 27 tokens. Each name
``w`` gives ``len(w) + 1`` examples: the ``context`` previous tokens (padded with ``'.'`` at
the start) and the next token, the last target being ``'.'``. For ``emma``, context 3:
``... -> e, ..e -> m, .em -> m, emm -> a, mma -> .``.

Inputs are one-hot per context position, flattened: ``X`` float64 ``(n, context * 27)``
with ``X[i, 27 p + t] = 1`` when position ``p`` holds token ``t``. A first dense layer
``context*27 -> m`` then plays the role of Bengio's embedding table ``C`` followed by the
hidden layer: each of its ``27 x m`` blocks is an embedding of the characters at one
position (one table per position, not shared across positions as in the paper).

The split is by *name*, never by example (no name leaks from train into val or test):
a seeded permutation of the names, 80% train, 10% val, 10% test.
"""

from __future__ import annotations

import functools
import importlib.resources
import string
from collections.abc import Callable, Iterable
from typing import SupportsInt

import numpy as np

from nnterm.engine.data._checks import check_int
from nnterm.engine.data.dataset import CLASSIFICATION, Dataset

BOUNDARY = "."
#: The 27 tokens: the boundary '.' then a..z.
VOCAB: tuple[str, ...] = (BOUNDARY, *string.ascii_lowercase)
_INDEX = {ch: i for i, ch in enumerate(VOCAB)}
SPLIT = (0.8, 0.1, 0.1)


@functools.cache
def load_names() -> tuple[str, ...]:
    """The corpus: every name in ``names.txt`` (lines starting with '#' are comments)."""
    text = (importlib.resources.files("nnterm.engine.data") / "names.txt").read_text("utf-8")
    return tuple(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def encode(name: str) -> list[int]:
    """Token indices of a lowercase name (no boundary tokens)."""
    return [_INDEX[ch] for ch in name]


def decode(tokens: Iterable[SupportsInt]) -> str:
    """The string of a sequence of token indices."""
    return "".join(VOCAB[int(t)] for t in tokens)


def contexts_and_targets(names: Iterable[str], context: int) -> tuple[np.ndarray, np.ndarray]:
    """Integer contexts ``(n, context)`` and next tokens ``(n,)`` (int64) for ``names``."""
    ctx: list[list[int]] = []
    tgt: list[int] = []
    for w in names:
        window = [0] * context
        for t in [*encode(w), 0]:
            ctx.append(window)
            tgt.append(t)
            window = [*window[1:], t]
    return (
        np.array(ctx, dtype=np.int64).reshape(-1, context),
        np.array(tgt, dtype=np.int64),
    )


def one_hot(ctx: np.ndarray, vocab_size: int = len(VOCAB)) -> np.ndarray:
    """Flattened one-hot of integer contexts: float64 ``(n, context * vocab_size)``."""
    n, c = ctx.shape
    X = np.zeros((n, c * vocab_size))
    X[np.arange(n)[:, None], ctx + vocab_size * np.arange(c)] = 1.0
    return X


def make_names(rng: np.random.Generator, *, context: int = 3) -> Dataset:
    """The ``names`` Dataset, split by name with ``rng``.

    ``meta``: ``vocab`` (the 27 tokens), ``context``, ``X_test``/``y_test`` (the test
    split, same format), and ``train_names``/``val_names``/``test_names``.
    """
    context = check_int("names: context", context, 1)
    words = load_names()
    order = rng.permutation(len(words))
    n1 = int(SPLIT[0] * len(words))
    n2 = int((SPLIT[0] + SPLIT[1]) * len(words))
    parts = [tuple(words[i] for i in order[a:b]) for a, b in ((0, n1), (n1, n2), (n2, None))]
    arrays = []
    for part in parts:
        ctx, y = contexts_and_targets(part, context)
        arrays.append((one_hot(ctx), y))
    (X_tr, y_tr), (X_va, y_va), (X_te, y_te) = arrays
    V = len(VOCAB)
    meta = {
        "vocab": VOCAB,
        "context": context,
        "X_test": X_te,
        "y_test": y_te,
        "train_names": parts[0],
        "val_names": parts[1],
        "test_names": parts[2],
    }
    return Dataset(X_tr, y_tr, X_va, y_va, CLASSIFICATION, V, context * V, V, "names", meta)


def bigram_baseline(dataset: Dataset) -> float:
    """Validation cross-entropy (nats per token) of a bigram model of ``dataset``.

    ``P(next = j | previous = i) = (N_ij + 1) / sum_k (N_ik + 1)`` with counts ``N`` of
    (previous token, next token) pairs in the training split (add-one smoothing); the
    previous token is the last context position. Uniform guessing scores ln 27 = 3.296.
    """
    probs = bigram_probs(dataset)(dataset.X_val)
    return float(-np.mean(np.log(probs[np.arange(len(probs)), dataset.y_val])))


def sample_names(next_probs: Callable[[np.ndarray], np.ndarray], context: int,
                 rng: np.random.Generator, count: int, max_len: int = 16) -> tuple[str, ...]:
    """``count`` names drawn one character at a time from a model of the next token.

    ``next_probs(X)`` maps flattened one-hot contexts ``(n, context * 27)`` to
    probabilities ``(n, 27)``. Every name starts from a context of ``'.'`` and ends at the
    first ``'.'`` drawn, or after ``max_len`` characters (then it ends in ``…``).
    """
    V = len(VOCAB)
    ctx = np.zeros((count, context), dtype=np.int64)
    out: list[list[int]] = [[] for _ in range(count)]
    alive = np.ones(count, dtype=bool)
    for _ in range(max_len):
        probs = np.asarray(next_probs(one_hot(ctx[alive], V)), dtype=np.float64)
        cumulative = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
        drawn = (cumulative < rng.random((len(probs), 1))).sum(axis=1).clip(0, V - 1)
        for row, token in zip(np.flatnonzero(alive), drawn.tolist(), strict=True):
            if token == 0:
                alive[row] = False
            else:
                out[row].append(token)
        ctx[alive] = np.column_stack([ctx[alive][:, 1:], drawn[drawn != 0]])
        if not alive.any():
            break
    return tuple(decode(tokens) + ("…" if alive[i] else "") for i, tokens in enumerate(out))


def bigram_probs(dataset: Dataset) -> Callable[[np.ndarray], np.ndarray]:
    """``next_probs`` of the bigram model of ``bigram_baseline`` (add-one smoothing)."""
    V = len(dataset.meta["vocab"])
    c = dataset.meta["context"]
    counts = np.ones((V, V))
    previous = np.argmax(dataset.X_train[:, (c - 1) * V : c * V], axis=1)
    np.add.at(counts, (previous, dataset.y_train), 1.0)
    table = counts / counts.sum(axis=1, keepdims=True)
    return lambda X: table[np.argmax(X[:, (c - 1) * V : c * V], axis=1)]
