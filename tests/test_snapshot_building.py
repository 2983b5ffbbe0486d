"""build_snapshot and its parts: min-max downsampled curves, pooled weight matrices,
gradient percentiles, the decision boundary over the data, first-layer tiles of image
inputs; arrays copied, and the whole picklable to cross a process boundary."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from nnterm.engine.live.snapshot_build import build_snapshot, minmax_downsample, pool_blocks
from nnterm.engine.training.config import Config, DataConfig, ModelConfig, TrainConfig
from nnterm.engine.training.telemetry import PERCENTILES, HistogramSampler
from nnterm.engine.training.trainer import Trainer


@pytest.fixture(scope="module")
def trained() -> Trainer:
    config = Config(
        data=DataConfig(name="moons", n_train=1000, n_val=600),
        model=ModelConfig(hidden=(16, 16)),
        train=TrainConfig(steps=400, log_every=1),
    )
    trainer = Trainer(config)
    trainer.run()
    return trainer


def test_minmax_downsampling_keeps_the_ends_and_the_extremes():
    rng = np.random.default_rng(0)
    n = 2000
    steps = np.arange(n) * 10
    a = rng.normal(size=n)
    a[777], a[1234] = 100.0, -100.0
    b = rng.normal(size=n)
    b[:500] = np.nan
    b[1500] = 50.0
    new_steps, (new_a, new_b) = minmax_downsample(steps, [a, b], 120)
    assert len(new_steps) <= 120 and len(new_a) == len(new_b) == len(new_steps)
    assert new_steps[0] == 0 and new_steps[-1] == steps[-1]
    assert np.all(np.diff(new_steps) > 0)
    assert new_a[0] == a[0] and new_a[-1] == a[-1]
    assert new_a.max() == 100.0 and new_a.min() == -100.0
    assert np.nanmax(new_b) == 50.0 and np.nanmin(new_b) == np.nanmin(b)
    assert np.isnan(new_b[: len(new_b) // 5]).all()  # the missing stretch stays missing


def test_minmax_downsampling_leaves_short_series_alone():
    steps, (col,) = minmax_downsample(np.arange(5), [np.arange(5.0)], 120)
    assert steps.tolist() == [0, 1, 2, 3, 4] and col.tolist() == [0, 1, 2, 3, 4]


def test_pooling_shapes_and_block_means():
    rng = np.random.default_rng(0)
    big, pooled = pool_blocks(rng.normal(size=(784, 256)), 48)
    assert big.shape == (48, 48) and pooled
    small, pooled = pool_blocks(np.ones((2, 16), dtype=np.float32), 48)
    assert small.shape == (2, 16) and not pooled and small.dtype == np.float64
    w = rng.normal(size=(96, 10))
    out, pooled = pool_blocks(w, 48)
    assert out.shape == (48, 10) and pooled
    assert out == pytest.approx((w[0::2] + w[1::2]) / 2)


def test_gradient_percentiles_are_tensorboards_basis_points_of_the_entries():
    rng = np.random.default_rng(0)
    small, big = rng.normal(size=(3, 5)), rng.normal(size=(100, 100))
    sampler = HistogramSampler([small.shape, big.shape], rng)
    exact, sampled = sampler.percentiles([small, big])
    assert exact == pytest.approx(np.quantile(small, PERCENTILES))
    assert exact[0] == small.min() and exact[-1] == small.max()
    # a big matrix: its fixed sample's percentiles, close to a standard normal's
    assert sampled[4] == pytest.approx(0.0, abs=0.05) and sampled[2] == pytest.approx(-1, abs=0.1)
    small[1, 2] = np.nan
    assert np.isnan(sampler.percentiles([small, big])[0]).all()


def test_snapshot_of_a_trained_run(trained):
    snap = build_snapshot(trained, series_points=60, heatmap_max=8)
    assert snap.step == 400 and snap.status == "finished"
    assert len(snap.series.steps) <= 60
    assert snap.series.steps[0] == 0 and snap.series.steps[-1] == 400
    assert snap.series.train_acc is not None and len(snap.series.val_acc) == len(snap.series.steps)
    assert [v.weights.shape for v in snap.layers] == [(2, 8), (8, 8), (8, 2)]
    assert [v.pooled for v in snap.layers] == [True, True, True]
    assert [v.activation for v in snap.layers] == ["tanh", "tanh", "output"]
    assert np.isnan(snap.layers[-1].dead_frac)
    for view in snap.layers:
        band = view.grad_band
        assert band.shape == (len(view.band_steps), 9) and len(view.band_steps) <= 60
        assert view.band_steps[0] == 0 and view.band_steps[-1] == 400
        assert np.all(np.diff(band, axis=1) >= 0)  # min <= 7 <= 16 ... <= 93 % <= max
        assert band[-1] == pytest.approx(trained.history.latest.grad_percentiles[view.index])
        assert view.grad_hist.sum() > 0
    pickle.loads(pickle.dumps(snap))  # it crosses a process boundary


def test_snapshot_arrays_are_copies(trained):
    snap = build_snapshot(trained)
    before = snap.layers[0].weights.copy()
    trained.net.params[0][...] += 1.0
    try:
        assert np.array_equal(snap.layers[0].weights, before)
    finally:
        trained.net.params[0][...] -= 1.0


def test_boundary_for_moons(trained):
    snap = build_snapshot(trained, boundary_resolution=40)
    b = snap.boundary
    assert b.classes.shape == b.confidence.shape == (40, 40)
    assert set(np.unique(b.classes)) == {0, 1}
    assert np.all((b.confidence >= 0.5) & (b.confidence <= 1.0))
    # fitted to the data: a square over its bounding box with a tenth of a margin
    data = np.concatenate([trained.dataset.X_train, trained.dataset.X_val])
    lo, hi = data.min(axis=0), data.max(axis=0)
    x0, x1, y0, y1 = b.extent
    assert x1 - x0 == pytest.approx(y1 - y0) == pytest.approx(1.2 * (hi - lo).max())
    assert x0 < lo[0] and x1 > hi[0] and y0 < lo[1] and y1 > hi[1]
    assert (x0 + x1) / 2 == pytest.approx((lo[0] + hi[0]) / 2)
    assert len(b.train_points) == 400 and len(b.val_points) == 400
    assert b.train_points.shape == (400, 2) and b.train_labels.shape == (400,)
    # row 0 is the top of the plane: its cells sit at the largest y
    x0, x1, y0, y1 = b.extent
    top = np.array([[x0 + (x1 - x0) * (j + 0.5) / 40, y1 - (y1 - y0) * 0.5 / 40]
                    for j in range(40)])
    assert np.array_equal(trained.loss.predict(trained.net.forward(top)), b.classes[0])


def test_boundary_with_a_sigmoid_head_and_with_three_classes():
    binary = Trainer(Config(data=DataConfig(name="moons"),
                            model=ModelConfig(loss="binary_cross_entropy")))
    b = build_snapshot(binary, boundary_resolution=10).boundary
    assert b.classes.shape == (10, 10) and np.all(b.confidence >= 0.5)
    blobs = Trainer(Config(data=DataConfig(name="blobs", params={"n_classes": 3})))
    b = build_snapshot(blobs, boundary_resolution=12).boundary
    assert b.classes.shape == (12, 12) and set(np.unique(b.classes)) <= {0, 1, 2}
    assert np.all(b.confidence >= 1 / 3 - 1e-12)
    x0, x1, y0, y1 = b.extent  # padded data bounds (blobs have no extent)
    X = blobs.dataset.X_train
    assert x0 < X[:, 0].min() and x1 > X[:, 0].max() and y0 < X[:, 1].min()


def test_no_boundary_for_regression():
    trainer = Trainer(Config(data=DataConfig(name="teacher_student", params={"dim": 2}),
                             model=ModelConfig(loss="mse")))
    snap = build_snapshot(trainer)
    assert snap.boundary is None
    assert snap.series.train_acc is None and snap.train_acc is None


def test_image_inputs_give_first_layer_tiles():
    from nnterm.engine.live.snapshot_build import MAX_TILES, first_layer_tiles

    w = np.arange(64 * 20, dtype=float).reshape(64, 20)
    tiles = first_layer_tiles(w, (8, 8))
    assert tiles.shape == (MAX_TILES, 8, 8)
    np.testing.assert_array_equal(tiles[3], w[:, 3].reshape(8, 8))
    assert first_layer_tiles(w, None) is None
    assert first_layer_tiles(w, (4, 4)) is None
