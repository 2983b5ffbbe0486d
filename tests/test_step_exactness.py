"""The training step's fast spellings compute the plain expressions' bits.

The step calls bound ufuncs with in-place outputs, ``ndarray.dot`` for products,
``np.add.reduce`` for sums and means, and updates a network's parameters through the one
buffer that holds them; its records take means and standard deviations the same way. These
tests put the plain NumPy expressions back (``a @ W + b``, ``dz.sum(axis=0)``,
``x.mean()``, ``x.std()``, one ``p -= update`` per array) and compare whole metrics files,
and check the pieces.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
from metrics_files import metrics_rows

from nnterm.engine import MLP
from nnterm.engine.nn import flat, losses, network, reductions
from nnterm.engine.nn.optimizers import base, make_optimizer
from nnterm.engine.training import telemetry


@pytest.fixture
def plain_path(monkeypatch):
    """The step with every fast spelling replaced by the plain expression it stands for."""

    def plain_multiply(x, y, out=None):
        return x * y

    monkeypatch.setattr(network, "_dense", lambda a, W, b: a @ W + b)
    monkeypatch.setattr(network, "_matmul", lambda a, b: a @ b)
    monkeypatch.setattr(network, "_multiply", plain_multiply)
    monkeypatch.setattr(network, "_sum", lambda x, axis: x.sum(axis=axis))
    monkeypatch.setattr(losses, "mean_of", lambda x: float(x.mean()))
    monkeypatch.setattr(telemetry, "mean_of", lambda x: float(x.mean()))
    monkeypatch.setattr(telemetry, "std_of", lambda x: float(x.std()))
    monkeypatch.setattr(telemetry, "std_rows", lambda x: x.std(axis=1))
    monkeypatch.setattr(telemetry, "share", lambda mask: float(mask.mean()))
    monkeypatch.setattr(base, "shared_buffer", lambda params: None)


# tanh + SGD at small batches; Adam at full batch and a linear run; dropout, L1 and L2 on
# eight runs; features; five activations (relu, gelu, silu, sigmoid, tanh)
@pytest.mark.parametrize("preset", ["xor", "playground", "regularization", "features",
                                    "activations"])
def test_a_presets_metrics_file_is_the_plain_paths_bit_for_bit(preset, tmp_path, request):
    fast = metrics_rows(preset, tmp_path / "fast.jsonl")
    request.getfixturevalue("plain_path")
    plain = metrics_rows(preset, tmp_path / "plain.jsonl")
    assert len(fast) > 4
    assert fast == plain


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(1,), (7, 1), (10, 1), (33, 3), (400, 2)])
def test_mean_of_is_numpys_mean_bit_for_bit(dtype, shape):
    x = np.random.default_rng(sum(shape)).normal(size=shape).astype(dtype) ** 3
    assert reductions.mean_of(x) == float(x.mean())


def test_a_networks_params_tile_one_buffer():
    net = MLP([2, 5, 3, 1], seed=0)
    buffer = flat.shared_buffer(net.params)
    assert buffer is not None and buffer.size == net.n_params
    buffer[:] = np.arange(net.n_params)
    assert net.params[1][0] == 2 * 5 and net.params[-1][0] == net.n_params - 1


def test_arrays_that_do_not_tile_one_buffer_have_none():
    whole = np.zeros(10)
    a, b = whole[:4], whole[4:10]
    assert flat.shared_buffer([a, b]) is not None
    assert flat.shared_buffer([b, a]) is None  # another order
    assert flat.shared_buffer([whole[:4], whole[5:10]]) is None  # a gap
    assert flat.shared_buffer([np.zeros(4), np.zeros(6)]) is None  # separate arrays
    assert flat.shared_buffer([whole[::2]]) is None  # not contiguous


@pytest.mark.parametrize("name", ["sgd", "adam"])
def test_a_copy_of_a_network_and_its_optimizer_steps_only_its_own_weights(name):
    net = MLP([2, 4, 2], seed=0)
    opt = make_optimizer(name, lr=0.1)
    grads = [np.ones_like(p) for p in net.params]
    opt.step(net.params, grads)  # the optimizer has found the network's buffer
    twin_net, twin_opt = copy.deepcopy((net, opt))
    before = net.get_state()
    for _ in range(3):
        twin_opt.step(twin_net.params, grads)
    for p, q in zip(net.params, before, strict=True):
        np.testing.assert_array_equal(p, q)
    for _ in range(3):
        opt.step(net.params, grads)
    for p, q in zip(net.params, twin_net.params, strict=True):
        np.testing.assert_array_equal(p, q)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(1,), (3,), (10, 8), (33, 5), (400, 32), (4096,)])
def test_std_of_and_share_are_numpys_bit_for_bit(dtype, shape):
    rng = np.random.default_rng(sum(shape))
    x = (rng.normal(size=shape) * 10.0 ** rng.uniform(-3, 3)).astype(dtype)
    assert reductions.std_of(x) == float(x.std())
    assert reductions.share(x > 0.1) == float((x > 0.1).mean())


def test_histograms_counted_at_once_are_each_arrays_own():
    rng = np.random.default_rng(0)
    arrays = [rng.normal(scale=10.0 ** rng.uniform(-9, 3), size=size) for size in (1, 16, 300)]
    arrays[1][[0, 3]] = [0.0, np.nan]  # the central bin and a NaN
    arrays[2][:5] = [np.inf, -np.inf, 1e300, -1e-300, 5e-9]
    together = telemetry.symlog_histograms(arrays)
    assert len(together) == 3
    for counts, a in zip(together, arrays, strict=True):
        np.testing.assert_array_equal(counts, telemetry.symlog_histogram(a))
        assert counts.sum() == a.size


def test_symlog_bins_are_the_plain_expressions():
    rng = np.random.default_rng(1)
    v = rng.normal(size=400) * 10.0 ** rng.uniform(-12, 5, size=400)
    v[:9] = [0.0, -0.0, np.nan, np.inf, -np.inf, 1e-8, -1e-8, 1e2, 1e300]
    side = telemetry._N_SIDE
    with np.errstate(divide="ignore", invalid="ignore"):
        k = np.floor((np.log10(np.abs(v)) - telemetry.HIST_DECADES[0])
                     * telemetry.HIST_BINS_PER_DECADE)
    k = np.clip(np.nan_to_num(k, nan=-1.0, neginf=-1.0), -1, side - 1).astype(np.int64)
    plain = np.where(v > 0, side + 1 + k, side - 1 - k)
    plain[k < 0] = side
    np.testing.assert_array_equal(telemetry.symlog_bins(v), plain)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(1, 1), (3, 1), (2, 8), (8, 8), (32, 32), (784, 16)])
def test_std_rows_is_numpys_std_by_rows_bit_for_bit(dtype, shape):
    rng = np.random.default_rng(sum(shape))
    x = (rng.normal(size=shape) * 10.0 ** rng.uniform(-3, 3)).astype(dtype)
    plain = x.std(axis=1)
    fast = reductions.std_rows(x)
    assert fast.dtype == plain.dtype
    np.testing.assert_array_equal(fast, plain)


def test_quantiles_of_are_np_quantiles_bit_for_bit():
    rng = np.random.default_rng(2)
    q = telemetry.PERCENTILES
    for _ in range(200):
        samples = []
        for _ in range(int(rng.integers(1, 4))):
            n = int(rng.integers(1, 120))
            x = rng.normal(size=n) * 10.0 ** rng.uniform(-8, 3)
            if rng.random() < 0.3:
                x = np.round(x, 1)  # ties
            for special in (np.nan, np.inf, -np.inf):
                if rng.random() < 0.1:
                    x[rng.integers(n)] = special
            samples.append(x.astype(np.float32) if rng.random() < 0.2 else x)
        with np.errstate(invalid="ignore"):
            fast = reductions.quantiles_of(samples, q)
            for row, x in zip(fast, samples, strict=True):
                np.testing.assert_array_equal(row, np.quantile(x.astype(np.float64), q))


def test_frobenius_is_numpys_norm_bit_for_bit():
    rng = np.random.default_rng(3)
    for dtype in (np.float64, np.float32):
        for shape in [(1,), (2, 8), (8, 8), (32, 32), (784, 16)]:
            x = (rng.normal(size=shape) * 10.0 ** rng.uniform(-5, 5)).astype(dtype)
            assert reductions.frobenius(x) == float(np.linalg.norm(x))
            assert reductions.frobenius(x.T) == float(np.linalg.norm(x.T))


@pytest.mark.parametrize("copied", [False, True])
def test_a_network_is_finite_until_one_parameter_is_not(copied):
    net = MLP([2, 5, 3, 1], seed=0)
    if copied:  # a copy's parameters are arrays of their own
        net = copy.deepcopy(net)
    assert net.finite()
    net.params[3][1] = np.nan
    assert not net.finite()
    net.params[3][1] = 0.0
    net.params[-1][0] = np.inf
    assert not net.finite()
