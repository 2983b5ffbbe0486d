"""BatchSampler: epochs, seeding, batch-size changes and full batches."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnterm.engine.data import BatchSampler


# ------------------------------------------------------------------ batching
def _epoch(sampler: BatchSampler) -> list[np.ndarray]:
    start, batches = sampler.epoch, []
    while sampler.epoch == start:
        batches.append(sampler.next_batch())
        assert len(batches) <= sampler.n + 1, "the epoch never ends"
    return batches


def test_batch_sampler_covers_every_index_once_per_epoch_and_reshuffles():
    s = BatchSampler(103, 10, np.random.default_rng(0))
    assert s.epoch == 0 and s.steps_per_epoch == 11
    e1, e2 = _epoch(s), _epoch(s)
    assert s.epoch == 2
    for batches in (e1, e2):
        assert [len(b) for b in batches] == [10] * 10 + [3]  # drop_last=False
        np.testing.assert_array_equal(np.sort(np.concatenate(batches)), np.arange(103))
        assert np.concatenate(batches).dtype == np.int64
    assert not np.array_equal(np.concatenate(e1), np.concatenate(e2))
    assert not np.array_equal(np.concatenate(e1), np.arange(103))  # shuffled


def test_batch_sampler_is_seeded():
    a = BatchSampler(50, 7, np.random.default_rng(3))
    b = BatchSampler(50, 7, np.random.default_rng(3))
    for _ in range(30):
        np.testing.assert_array_equal(a.next_batch(), b.next_batch())


def test_batch_sampler_epoch_counts_completed_epochs():
    s = BatchSampler(10, 4, np.random.default_rng(0))
    counts = []
    for _ in range(7):
        s.next_batch()
        counts.append(s.epoch)
    assert counts == [0, 0, 1, 1, 1, 2, 2]


def test_batch_size_change_takes_effect_at_the_next_batch_and_is_clamped():
    s = BatchSampler(20, 4, np.random.default_rng(0))
    first = s.next_batch()
    s.batch_size = 6
    rest = [s.next_batch() for _ in range(3)]
    assert [len(b) for b in rest] == [6, 6, 4]  # the epoch carries on: 4 + 6 + 6 + 4
    assert s.epoch == 1
    np.testing.assert_array_equal(np.sort(np.concatenate([first, *rest])), np.arange(20))
    s.batch_size = 0
    assert s.batch_size == 1 and len(s.next_batch()) == 1
    s.batch_size = 10_000
    assert s.batch_size == 20
    assert BatchSampler(5, -3, np.random.default_rng(0)).batch_size == 1


def test_full_batch_returns_every_index_each_step():
    s = BatchSampler(30, 30, np.random.default_rng(0))
    for k in range(1, 4):
        b = s.next_batch()
        np.testing.assert_array_equal(np.sort(b), np.arange(30))
        assert s.epoch == k
    assert BatchSampler(30, 500, np.random.default_rng(0)).batch_size == 30


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 60),
    sizes=st.lists(st.integers(-2, 80), min_size=1, max_size=8),
    seed=st.integers(0, 2**32 - 1),
)
def test_batch_sampler_partitions_each_epoch_whatever_the_batch_sizes(n, sizes, seed):
    s = BatchSampler(n, sizes[0], np.random.default_rng(seed))
    for size in sizes:
        s.batch_size = size
        assert 1 <= s.batch_size <= n
        seen = np.concatenate(_epoch(s))  # starts at an epoch boundary each time
        np.testing.assert_array_equal(np.sort(seen), np.arange(n))
    assert s.epoch == len(sizes)


def test_batch_sampler_rejects_empty_data():
    with pytest.raises(ValueError):
        BatchSampler(0, 1, np.random.default_rng(0))
