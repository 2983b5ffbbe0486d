"""The names dataset: the corpus file, the vocabulary and context windows padded at each
name's start, an 80/10/10 split by name, the context parameter, and the bigram baseline it
is measured against."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnterm.engine.data import Dataset, bigram_baseline, load_names, make_dataset


@pytest.fixture(scope="module")
def names() -> Dataset:
    return make_dataset("names", n_train=1, n_val=1, seed=0)


def test_names_corpus_file():
    words = load_names()
    assert len(words) == 5163
    assert list(words) == sorted(set(words))
    assert all(w.isalpha() and w.islower() and w.isascii() for w in words)
    assert {"mary", "james", "emma"} <= set(words)


def test_names_dataset_vocab_shapes_and_targets(names):
    vocab, c = names.meta["vocab"], names.meta["context"]
    assert len(vocab) == 27 and "".join(vocab) == ".abcdefghijklmnopqrstuvwxyz"
    assert c == 3 and names.n_classes == 27 and names.output_dim == 27
    assert names.input_dim == 81 and names.sampler is None
    for X, y in ((names.X_train, names.y_train), (names.X_val, names.y_val),
                 (names.meta["X_test"], names.meta["y_test"])):
        assert X.dtype == np.float64 and X.shape == (len(y), 81)
        assert y.dtype == np.int64 and y.min() >= 0 and y.max() < 27
        np.testing.assert_array_equal(X.reshape(-1, 3, 27).sum(axis=2), 1.0)  # one-hot per slot
    n_tokens = sum(len(w) + 1 for w in names.meta["train_names"])
    assert names.n_train == n_tokens
    assert (names.y_train == 0).sum() == len(names.meta["train_names"])  # one '.' per name


def test_names_contexts_start_with_boundary_padding(names):
    ctx = names.X_train.reshape(-1, 3, 27).argmax(axis=2)
    first = np.concatenate([[0], np.flatnonzero(names.y_train == 0)[:-1] + 1])
    np.testing.assert_array_equal(ctx[first], 0)  # '...' before each name's first letter
    # walk the first training name through its examples
    word = names.meta["train_names"][0]
    vocab = names.meta["vocab"]
    n = len(word) + 1
    decoded = ["".join(vocab[t] for t in row) for row in ctx[:n]]
    padded = "..." + word
    assert decoded == [padded[i : i + 3] for i in range(n)]
    assert "".join(vocab[t] for t in names.y_train[:n]) == word + "."


def test_names_split_by_name_80_10_10_without_overlap(names):
    tr, va, te = (set(names.meta[k]) for k in ("train_names", "val_names", "test_names"))
    assert not (tr & va or tr & te or va & te)
    assert tr | va | te == set(load_names())
    total = len(load_names())
    assert len(tr) == int(0.8 * total) and abs(len(va) - 0.1 * total) <= 1
    other = make_dataset("names", n_train=1, n_val=1, seed=1)
    assert set(other.meta["val_names"]) != va  # the seed picks the split


def test_names_context_parameter():
    ds = make_dataset("names", n_train=1, n_val=1, seed=0, context=5)
    assert ds.input_dim == 5 * 27 and ds.meta["context"] == 5
    assert bigram_baseline(ds) == pytest.approx(
        bigram_baseline(make_dataset("names", n_train=1, n_val=1, seed=0)))


def test_bigram_baseline_beats_uniform(names):
    loss = bigram_baseline(names)
    assert 2.0 < loss < math.log(27)
    assert loss == pytest.approx(2.35, abs=0.05)  # SCENARIOS recipe 11


def test_names_takes_no_noise():
    with pytest.raises(ValueError, match="noise"):
        make_dataset("names", n_train=1, n_val=1, seed=0, noise=0.1)
    with pytest.raises(ValueError, match="label_flip"):
        make_dataset("names", n_train=1, n_val=1, seed=0, label_flip=0.1)
