"""Datasets and input noise: shapes, determinism, perturbations, samplers (the names
dataset is in test_names_data, mini-batching in test_batching)."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
from helpers import bars_class

from nnterm.engine.data import (
    DATASET_PARAMS,
    DATASETS,
    Dataset,
    add_input_noise,
    make_dataset,
)
from nnterm.engine.data.plane import PLANE_EXTENT, gauss_centers

SYNTHETIC = tuple(n for n in DATASETS if n not in ("names", "csv"))  # csv: test_csv_data
CLASSIFIERS = tuple(n for n in SYNTHETIC if make_dataset(n, n_train=2, n_val=0, seed=0).n_classes)
REGRESSORS = tuple(n for n in SYNTHETIC if n not in CLASSIFIERS)
PLANE = ("xor", "circle", "gauss", "spiral", "moons")


def _arrays(ds: Dataset) -> list[np.ndarray]:
    return [ds.X_train, ds.y_train, ds.X_val, ds.y_val]


def test_the_registry_lists_every_kind_of_dataset():
    assert set(DATASETS) >= {
        "xor", "circle", "gauss", "spiral", "moons", "blobs", "random_classification",
        "sine", "teacher_student", "random_features", "names",
    }
    assert set(CLASSIFIERS) >= set(PLANE) | {"blobs", "random_classification"}
    assert set(REGRESSORS) == {"sine", "teacher_student", "random_features", "ill_conditioned"}


# ------------------------------------------------------------------ shapes and types
@pytest.mark.parametrize("name", SYNTHETIC)
def test_shapes_dtypes_and_label_ranges(name):
    ds = make_dataset(name, n_train=101, n_val=37, seed=3)
    assert ds.name == name
    assert ds.X_train.shape == (101, ds.input_dim) and ds.X_val.shape == (37, ds.input_dim)
    assert ds.X_train.dtype == np.float64 and ds.X_val.dtype == np.float64
    assert np.isfinite(ds.X_train).all() and np.isfinite(ds.X_val).all()
    if ds.task == "classification":
        assert ds.n_classes >= 2 and ds.output_dim == ds.n_classes
        for y, n in ((ds.y_train, 101), (ds.y_val, 37)):
            assert y.shape == (n,) and y.dtype == np.int64
            assert y.min() >= 0 and y.max() < ds.n_classes
        assert len(np.unique(ds.y_train)) == ds.n_classes  # every class present
    else:
        assert ds.task == "regression" and ds.n_classes == 0 and ds.output_dim == 1
        assert ds.y_train.shape == (101, 1) and ds.y_val.shape == (37, 1)
        assert ds.y_train.dtype == np.float64 and np.isfinite(ds.y_train).all()
    X, y = ds.sampler(13, np.random.default_rng(0))
    assert X.shape == (13, ds.input_dim) and X.dtype == np.float64
    assert y.shape == ds.y_train.shape[:0] + (13,) + ds.y_train.shape[1:]
    assert y.dtype == ds.y_train.dtype


@pytest.mark.parametrize(
    ("name", "params", "input_dim", "n_classes"),
    [
        ("spiral", {"n_classes": 3}, 2, 3),
        ("blobs", {"n_classes": 5, "dim": 7}, 7, 5),
        ("random_classification", {"dim": 20, "n_classes": 10, "rule": "linear"}, 20, 10),
        ("random_classification", {"dim": 4}, 4, 2),
        ("random_classification", {"dim": 6, "n_classes": 4, "random_labels": True}, 6, 4),
        ("teacher_student", {"dim": 4}, 4, 0),
        ("random_features", {"dim": 5}, 5, 0),
    ],
)
def test_dimension_and_class_parameters(name, params, input_dim, n_classes):
    ds = make_dataset(name, n_train=400, n_val=10, seed=1, **params)
    assert ds.input_dim == input_dim and ds.X_train.shape == (400, input_dim)
    assert ds.n_classes == n_classes
    if n_classes:
        assert set(np.unique(ds.y_train)) == set(range(n_classes))


def test_plane_sets_live_in_the_documented_box():
    for name in PLANE:
        ds = make_dataset(name, n_train=2000, n_val=0, seed=0)
        x0, x1, y0, y1 = -PLANE_EXTENT, PLANE_EXTENT, -PLANE_EXTENT, PLANE_EXTENT
        X = ds.X_train
        assert x0 <= X[:, 0].min() and X[:, 0].max() <= x1, name
        assert y0 <= X[:, 1].min() and X[:, 1].max() <= y1, name
        assert np.abs(X).max() > 0.7, name  # unit scale, not squeezed near 0


def test_plane_labels_follow_their_formulas():
    ds = make_dataset("xor", n_train=500, n_val=0, seed=0)
    X, y = ds.X_train, ds.y_train
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] < 0).astype(np.int64))
    ds = make_dataset("circle", n_train=500, n_val=0, seed=0)
    r = np.linalg.norm(ds.X_train, axis=1)
    np.testing.assert_array_equal(ds.y_train, (r > 0.6).astype(np.int64))
    ds = make_dataset("gauss", n_train=2000, n_val=0, seed=0)
    np.testing.assert_allclose(ds.X_train[ds.y_train == 1].mean(0), [0.5, 0.5], atol=0.05)
    np.testing.assert_allclose(ds.X_train[ds.y_train == 0].mean(0), [-0.5, -0.5], atol=0.05)
    ds = make_dataset("moons", n_train=1000, n_val=0, seed=0)
    X0 = ds.X_train[ds.y_train == 0] + [0.5, 0.25]  # back to sklearn's coordinates
    np.testing.assert_allclose(np.linalg.norm(X0, axis=1), 1.0)
    assert np.bincount(ds.y_train).tolist() == [500, 500]


def test_gauss_puts_k_blobs_evenly_round_a_circle():
    np.testing.assert_array_equal(gauss_centers(2), [[-0.5, -0.5], [0.5, 0.5]])
    np.testing.assert_array_equal(gauss_centers(4), [[-0.5, -0.5], [0.5, -0.5], [0.5, 0.5],
                                                     [-0.5, 0.5]])
    six = gauss_centers(6)
    np.testing.assert_allclose(np.linalg.norm(six, axis=1), np.sqrt(0.5))
    np.testing.assert_allclose(np.linalg.norm(six - np.roll(six, 1, axis=0), axis=1),
                               np.sqrt(0.5))  # neighbours 60 degrees apart
    ds = make_dataset("gauss", n_train=3000, n_val=0, seed=0, n_classes=6, spread=0.1)
    assert ds.n_classes == 6 and np.bincount(ds.y_train).tolist() == [500] * 6
    for k in range(6):
        np.testing.assert_allclose(ds.X_train[ds.y_train == k].mean(0), six[k], atol=0.02)


def test_xor_four_points_is_the_exact_truth_table():
    ds = make_dataset("xor", n_train=4, n_val=4, seed=0, points=4)
    corners = [[0, 0], [0, 1], [1, 0], [1, 1]]
    np.testing.assert_array_equal(ds.X_train, corners)
    np.testing.assert_array_equal(ds.y_train, [0, 1, 1, 0])
    np.testing.assert_array_equal(ds.X_val, corners)
    np.testing.assert_array_equal(ds.y_val, [0, 1, 1, 0])
    assert ds.X_train.dtype == np.float64 and ds.y_train.dtype == np.int64
    # other seeds too: no randomness without noise
    other = make_dataset("xor", n_train=4, n_val=4, seed=9, points=4)
    np.testing.assert_array_equal(other.X_train, ds.X_train)
    with pytest.raises(ValueError, match="points"):
        make_dataset("xor", n_train=4, n_val=4, seed=0, points=3)


# ------------------------------------------------------------------ determinism
@pytest.mark.parametrize("name", (*SYNTHETIC, "names"))  # csv: test_csv_data
def test_same_seed_is_bit_identical_and_other_seeds_differ(name):
    a = make_dataset(name, n_train=64, n_val=32, seed=5)
    b = make_dataset(name, n_train=64, n_val=32, seed=5)
    c = make_dataset(name, n_train=64, n_val=32, seed=6)
    for u, v in zip(_arrays(a), _arrays(b), strict=True):
        assert u.dtype == v.dtype
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a.X_train, c.X_train)
    assert not np.array_equal(a.X_val, a.X_train[: len(a.X_val)])  # val is drawn afresh
    if a.sampler is not None:
        s1 = a.sampler(10, np.random.default_rng(1))
        s2 = b.sampler(10, np.random.default_rng(1))
        for u, v in zip(s1, s2, strict=True):
            np.testing.assert_array_equal(u, v)


@pytest.mark.parametrize("name", SYNTHETIC)
def test_n_val_does_not_change_the_training_set(name):
    a = make_dataset(name, n_train=50, n_val=10, seed=2)
    b = make_dataset(name, n_train=50, n_val=300, seed=2)
    np.testing.assert_array_equal(a.X_train, b.X_train)
    np.testing.assert_array_equal(a.y_train, b.y_train)


def test_datasets_and_samplers_pickle():
    for name in SYNTHETIC:
        ds = make_dataset(name, n_train=20, n_val=5, seed=0)
        back = pickle.loads(pickle.dumps(ds))
        np.testing.assert_array_equal(back.X_train, ds.X_train)
        for u, v in zip(back.sampler(8, np.random.default_rng(4)),
                        ds.sampler(8, np.random.default_rng(4)), strict=True):
            np.testing.assert_array_equal(u, v)


# ------------------------------------------------------------------ perturbations
@pytest.mark.parametrize(
    ("name", "params"),
    [(n, {}) for n in CLASSIFIERS] + [("spiral", {"n_classes": 4}), ("blobs", {"n_classes": 6})],
)
@pytest.mark.parametrize("fraction", [0.1, 0.3])
def test_label_flip_flips_the_requested_fraction_to_other_classes(name, params, fraction):
    n = 1000
    clean = make_dataset(name, n_train=n, n_val=0, seed=4, **params)
    flipped = make_dataset(name, n_train=n, n_val=0, seed=4, label_flip=fraction, **params)
    np.testing.assert_array_equal(flipped.X_train, clean.X_train)  # only labels change
    changed = flipped.y_train != clean.y_train
    assert changed.mean() == pytest.approx(fraction, abs=0.01)
    assert flipped.y_train.min() >= 0 and flipped.y_train.max() < clean.n_classes
    if clean.n_classes > 2:  # flips go to every other class, not just one
        moved = (flipped.y_train[changed] - clean.y_train[changed]) % clean.n_classes
        assert len(np.unique(moved)) == clean.n_classes - 1


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_noise_moves_points_but_not_labels(name):
    clean = make_dataset(name, n_train=2000, n_val=0, seed=7, noise=0.0)
    noisy = make_dataset(name, n_train=2000, n_val=0, seed=7, noise=0.3)
    np.testing.assert_array_equal(noisy.y_train, clean.y_train)
    moved = noisy.X_train - clean.X_train
    assert moved.std() == pytest.approx(0.3, rel=0.05)
    assert abs(moved.mean()) < 0.02


@pytest.mark.parametrize("name", REGRESSORS)
def test_regression_noise_is_target_noise(name):
    clean = make_dataset(name, n_train=4000, n_val=0, seed=7, noise=0.0)
    noisy = make_dataset(name, n_train=4000, n_val=0, seed=7, noise=0.4)
    np.testing.assert_array_equal(noisy.X_train, clean.X_train)
    assert (noisy.y_train - clean.y_train).std() == pytest.approx(0.4, rel=0.05)


def test_default_noise_is_the_datasets_own():
    rf = make_dataset("random_features", n_train=10, n_val=0, seed=0)
    assert rf.meta["params"]["noise"] == 0.5
    assert make_dataset("moons", n_train=10, n_val=0, seed=0).meta["params"]["noise"] == 0.0


def test_random_labels_ignore_the_inputs():
    kw = {"n_train": 4000, "n_val": 0, "seed": 0}
    ruled = make_dataset("random_classification", **kw)
    rand = make_dataset("random_classification", random_labels=True, **kw)
    sin_rule = (np.sin(2 * ruled.X_train[:, 0]) + ruled.X_train[:, 1] * ruled.X_train[:, 2] > 0)
    np.testing.assert_array_equal(ruled.y_train, sin_rule)
    agree = (rand.y_train == rand.sampler.labels(rand.X_train)).mean()
    assert 0.45 < agree < 0.55
    assert 0.45 < ruled.y_train.mean() < 0.55  # balanced enough for a ln 2 baseline


def test_add_input_noise():
    X = np.ones((500, 4))
    assert add_input_noise(X, 0.0, np.random.default_rng(0)) is X
    a = add_input_noise(X, 0.5, np.random.default_rng(0))
    b = add_input_noise(X, 0.5, np.random.default_rng(0))
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(X, 1.0)  # the input is left alone
    assert (a - X).std() == pytest.approx(0.5, rel=0.05)
    x32 = np.zeros((10, 3), dtype=np.float32)
    assert add_input_noise(x32, 0.1, np.random.default_rng(0)).dtype == np.float32
    with pytest.raises(ValueError):
        add_input_noise(X, -1.0, np.random.default_rng(0))


# ------------------------------------------------------------------ fresh samples
def test_random_features_fresh_samples_share_the_target_function():
    d, n = 20, 4000

    def fit_b(X, y):  # least squares on the linear part, the tanh part known
        return np.linalg.lstsq(X, y[:, 0] - 0.5 * np.tanh(X[:, 0] * X[:, 1]), rcond=None)[0]

    ds = make_dataset("random_features", n_train=n, n_val=n, seed=0)
    b_train = fit_b(ds.X_train, ds.y_train)
    b_val = fit_b(ds.X_val, ds.y_val)
    b_fresh = fit_b(*ds.sampler(n, np.random.default_rng(123)))
    other = make_dataset("random_features", n_train=n, n_val=0, seed=1)
    b_other = fit_b(other.X_train, other.y_train)
    # estimation error ~ 0.5 / sqrt(n) per coordinate; the target's b has norm ~1
    assert np.linalg.norm(b_fresh - b_train) < 0.1
    assert np.linalg.norm(b_val - b_train) < 0.1
    assert np.linalg.norm(b_other - b_train) > 0.5
    np.testing.assert_allclose(b_train, ds.sampler.b, atol=0.05)
    assert np.linalg.norm(ds.sampler.b) ** 2 == pytest.approx(1.0, abs=0.6)  # b ~ N(0, I/d)
    assert len(ds.sampler.b) == d
    # the residual is the noise: std 0.5
    X, y = ds.sampler(n, np.random.default_rng(5))
    assert (y - ds.meta["target"](X)).std() == pytest.approx(0.5, rel=0.05)


def test_teacher_student_fresh_samples_follow_the_teacher():
    ds = make_dataset("teacher_student", n_train=300, n_val=50, seed=3, noise=0.0)
    teacher = ds.meta["target"]
    np.testing.assert_allclose(ds.y_train, teacher(ds.X_train))
    X, y = ds.sampler(200, np.random.default_rng(0))
    np.testing.assert_allclose(y, teacher(X))
    assert y.std() > 0.2  # a nonlinear function, not a constant
    other = make_dataset("teacher_student", n_train=300, n_val=0, seed=4, noise=0.0)
    assert not np.allclose(other.meta["target"](X), y)
    # the teacher's weights fix the function whatever the sizes
    bigger = make_dataset("teacher_student", n_train=1000, n_val=0, seed=3, noise=0.0)
    np.testing.assert_allclose(bigger.meta["target"](X), y)


def test_blob_samplers_keep_the_same_centres():
    ds = make_dataset("blobs", n_train=3000, n_val=0, seed=0, n_classes=4, dim=3)
    X, y = ds.sampler(3000, np.random.default_rng(9))
    for k in range(4):
        np.testing.assert_allclose(X[y == k].mean(0), ds.X_train[ds.y_train == k].mean(0),
                                   atol=0.05)
        np.testing.assert_allclose(X[y == k].mean(0), ds.meta["centers"][k], atol=0.05)


def test_fresh_draws_differ_between_calls():
    ds = make_dataset("moons", n_train=10, n_val=0, seed=0)
    rng = np.random.default_rng(0)
    assert not np.array_equal(ds.sampler(16, rng)[0], ds.sampler(16, rng)[0])


def test_unknown_dataset_names_the_allowed_ones():
    with pytest.raises(ValueError, match="unknown dataset 'mooons'") as err:
        make_dataset("mooons", n_train=10, n_val=10, seed=0)
    for name in DATASETS:
        assert name in str(err.value)


def test_unknown_parameter_names_the_allowed_ones():
    with pytest.raises(ValueError, match="'radius'") as err:
        make_dataset("circle", n_train=10, n_val=10, seed=0, radius=2)
    assert "noise" in str(err.value) and "label_flip" in str(err.value)
    with pytest.raises(ValueError, match="hidden") as err:
        make_dataset("random_features", n_train=10, n_val=10, seed=0, hidden=3)
    assert "dim" in str(err.value)
    assert DATASET_PARAMS["names"] == {"context": 3}


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("moons", {"label_flip": 1.5}),
        ("moons", {"label_flip": -0.1}),
        ("moons", {"noise": -1.0}),
        ("moons", {"noise": float("nan")}),
        ("moons", {"n_train": 0}),
        ("moons", {"n_val": -1}),
        ("moons", {"seed": -1}),
        ("moons", {"n_train": 2.5}),
        ("spiral", {"n_classes": 1}),
        ("blobs", {"dim": 0}),
        ("random_classification", {"rule": "cubic"}),
        ("random_classification", {"n_classes": 3}),  # the sin rule is binary
        ("random_classification", {"dim": 2}),  # the sin rule needs x0, x1, x2
        ("random_classification", {"random_labels": "yes"}),
        ("sine", {"label_flip": 0.1}),
        ("teacher_student", {"hidden": 0}),
        ("random_features", {"dim": 1}),
        ("names", {"context": 0}),
    ],
)
def test_bad_values_raise_value_error(name, kwargs):
    args = {"n_train": 10, "n_val": 10, "seed": 0, **kwargs}
    with pytest.raises(ValueError):
        make_dataset(name, **args)


# ------------------------------------------------------------------ ill-conditioned regression
def test_ill_conditioned_regression_has_the_requested_condition_number():
    ds = make_dataset("ill_conditioned", n_train=20000, n_val=10, seed=0)
    assert DATASET_PARAMS["ill_conditioned"] == {"dim": 2, "condition": 1000.0}
    assert ds.task == "regression" and ds.input_dim == 2 and ds.output_dim == 1
    scales = ds.meta["scales"]
    np.testing.assert_allclose(scales, [1.0, math.sqrt(1000.0)])
    np.testing.assert_allclose(ds.X_train.std(axis=0), scales, rtol=0.03)
    # the MSE Hessian of a linear model, 2 E[x x^T], has condition number ~ condition
    eig = np.linalg.eigvalsh(2 * ds.X_train.T @ ds.X_train / len(ds.X_train))
    assert eig.max() / eig.min() == pytest.approx(1000.0, rel=0.05)
    # noise-free by default, and every input carries the same share of the target
    np.testing.assert_allclose(ds.y_train, ds.meta["target"](ds.X_train))
    w = ds.sampler.w
    np.testing.assert_allclose(np.abs(w * scales), 1.0)
    assert ds.y_train.var() == pytest.approx(2.0, rel=0.05)
    # fresh samples follow the same target; other seeds may flip signs, never the scales
    X, y = ds.sampler(100, np.random.default_rng(1))
    np.testing.assert_allclose(y, X @ w[:, None])
    wider = make_dataset("ill_conditioned", n_train=5000, n_val=0, seed=3, dim=4, condition=100)
    np.testing.assert_allclose(wider.meta["scales"], 10.0 ** (np.arange(4) / 3))
    np.testing.assert_allclose(wider.X_train.std(axis=0), wider.meta["scales"], rtol=0.05)
    one = make_dataset("ill_conditioned", n_train=10, n_val=0, seed=0, dim=1)
    assert one.input_dim == 1 and one.meta["scales"].tolist() == [1.0]


@pytest.mark.parametrize("params", [{"condition": 0.5}, {"dim": 0}, {"condition": "big"}])
def test_ill_conditioned_rejects_bad_parameters(params):
    with pytest.raises(ValueError):
        make_dataset("ill_conditioned", n_train=10, n_val=10, seed=0, **params)


def test_bars_are_one_bright_row_or_column():
    ds = make_dataset("bars", n_train=64, n_val=8, seed=0, size=6)
    assert ds.X_train.shape == (64, 36) and ds.meta["image_shape"] == (6, 6)
    assert [bars_class(x.reshape(6, 6)) for x in ds.X_train] == ds.y_train.tolist()
    assert set(ds.y_train) == {0, 1}
