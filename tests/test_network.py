"""The MLP's forward and backward passes: central-difference gradient checks for every
activation x loss, dropout, frozen layers, penalties, init statistics and determinism."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from helpers import assert_grads_close, numeric_grads

from nnterm.engine import ACTIVATIONS, INITS, MLP, Init
from nnterm.engine.nn.losses import LOSSES, chance_loss, cross_entropy, get_loss


def batch_for(loss: str, rng: np.random.Generator, n: int = 7, d: int = 3, k: int = 4):
    X = rng.normal(size=(n, d))
    if loss in ("cross_entropy", "softmax_mse"):
        return X, rng.integers(0, k, size=n), k
    if loss in ("binary_cross_entropy", "sigmoid_mse"):
        return X, rng.integers(0, 2, size=n), 1
    return X, rng.normal(size=(n, 2)), 2


@pytest.mark.parametrize(("activation", "loss"), itertools.product(ACTIVATIONS, LOSSES))
def test_gradients_match_central_differences(activation, loss):
    rng = np.random.default_rng(1)
    X, y, out = batch_for(loss, rng)
    net = MLP([3, 5, 4, out], activation=activation, init="xavier_normal", seed=3)
    # Nudge pre-activations away from relu's kink at exactly 0 (biases start at 0).
    for b in net.params[1::2]:
        b += rng.normal(scale=0.1, size=b.shape)

    loss_value, grads = net.loss_and_grads(X, y, loss=loss)
    numeric = numeric_grads(net, lambda: net.loss_and_grads(X, y, loss=loss)[0])
    assert np.isfinite(loss_value)
    assert_grads_close(grads, numeric)


def test_mixed_activations_dropout_and_penalties_gradient():
    rng = np.random.default_rng(2)
    X, y, k = batch_for("cross_entropy", rng)
    net = MLP([3, 6, 5, k], activation=["gelu", "leaky_relu"], dropout=[0.3, 0.5], seed=4)

    def loss_with_fixed_mask():
        net.dropout_rng = np.random.default_rng(9)  # the same masks every evaluation
        value, _ = net.loss_and_grads(X, y, l1=0.01, l2=0.1)
        return value + net.penalty(l1=0.01, l2=0.1)

    net.dropout_rng = np.random.default_rng(9)
    _, grads = net.loss_and_grads(X, y, l1=0.01, l2=0.1)
    assert_grads_close(grads, numeric_grads(net, loss_with_fixed_mask))


def test_data_loss_is_reported_without_the_penalty():
    rng = np.random.default_rng(0)
    X, y, k = batch_for("cross_entropy", rng)
    net = MLP([3, 4, k], seed=0)
    plain, _ = net.loss_and_grads(X, y)
    penalised, _ = net.loss_and_grads(X, y, l2=10.0)
    assert plain == penalised
    w = net.params[0::2]
    assert net.penalty(l2=10.0) == pytest.approx(5.0 * sum((x**2).sum() for x in w))


@pytest.mark.parametrize("loss", LOSSES)
def test_chance_loss_is_the_loss_of_knowing_nothing(loss):
    """All-zero logits (a uniform guess) cost the chance loss under classification
    losses; under MSE, predicting the targets' mean does."""
    _, y, width = batch_for(loss, np.random.default_rng(0), n=50)
    uninformed = np.zeros((len(y), width))
    if loss == "mse":
        uninformed += y.mean(axis=0)
    n_classes = width if loss in ("cross_entropy", "softmax_mse") else 2
    expected = get_loss(loss).value_and_grad(uninformed, y)[0]
    assert chance_loss(loss, n_classes, y) == pytest.approx(expected, rel=1e-12)


def test_stable_cross_entropy_on_extreme_logits():
    loss, grad = cross_entropy(np.array([[1000.0, 0.0, -1000.0]]), np.array([2]))
    assert loss == pytest.approx(2000.0)
    np.testing.assert_allclose(grad, [[1.0, 0.0, -1.0]], atol=1e-12)
    assert get_loss("binary_cross_entropy").value_and_grad(
        np.array([[-1000.0]]), np.array([1])
    )[0] == pytest.approx(1000.0)


def test_frozen_layers_get_zero_gradients_and_the_rest_match():
    rng = np.random.default_rng(5)
    X, y, _ = batch_for("mse", rng)
    net = MLP([3, 8, 2], activation="relu", frozen=[0], seed=1)
    _, grads = net.loss_and_grads(X, y, loss="mse")
    assert not grads[0].any() and not grads[1].any()
    assert net.trainable_indices == [2, 3]
    numeric = numeric_grads(net, lambda: net.loss_and_grads(X, y, loss="mse")[0])
    assert_grads_close(grads[2:], numeric[2:])


def test_dropout_is_inverted_and_only_in_training():
    net = MLP([50, 400, 1], activation="relu", dropout=0.5, seed=0)
    X = np.ones((64, 50))
    _, inputs, hidden = net.trace(X, train=True)
    mask = hidden[0].mask
    assert set(np.unique(mask)) == {0.0, 2.0}  # kept units scaled by 1 / (1 - p)
    assert abs((mask == 0).mean() - 0.5) < 0.02
    assert len({row.tobytes() for row in mask}) == len(X)  # each example its own mask
    np.testing.assert_array_equal(inputs[1], hidden[0].a * mask)
    _, _, eval_hidden = net.trace(X)
    assert eval_hidden[0].mask is None
    np.testing.assert_array_equal(net.forward(X), net.forward(X))


def test_same_seed_same_network_and_masks():
    a = MLP([4, 16, 3], dropout=0.2, seed=7)
    b = MLP([4, 16, 3], dropout=0.2, seed=7)
    c = MLP([4, 16, 3], dropout=0.2, seed=8)
    X = np.random.default_rng(0).normal(size=(10, 4))
    y = np.arange(10) % 3
    la, ga = a.loss_and_grads(X, y)
    lb, gb = b.loss_and_grads(X, y)
    assert la == lb
    for u, v in zip(ga, gb, strict=True):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a.params[0], c.params[0])


def test_reinitialize_restores_the_same_weights_in_the_same_arrays():
    net = MLP([2, 8, 2], seed=3)
    first = net.get_state()
    arrays = list(net.params)
    for p in net.params:
        p += 1.0
    net.reinitialize()
    assert all(p is q for p, q in zip(net.params, arrays, strict=True))
    for p, q in zip(net.params, first, strict=True):
        np.testing.assert_array_equal(p, q)


def test_float32_stays_float32():
    net = MLP([3, 4, 2], activation="gelu", seed=0, dtype="float32")
    X = np.random.default_rng(0).normal(size=(5, 3))
    loss, grads = net.loss_and_grads(X, np.array([0, 1, 0, 1, 1]))
    assert all(p.dtype == np.float32 for p in net.params)
    assert all(g.dtype == np.float32 for g in grads)
    assert np.isfinite(loss)


@pytest.mark.parametrize(
    ("scheme", "variance"),
    [
        ("xavier_uniform", 2 / (400 + 300)),
        ("xavier_normal", 2 / (400 + 300)),
        ("he_uniform", 2 / 400),
        ("he_normal", 2 / 400),
        ("torch_default", 1 / (3 * 400)),
    ],
)
def test_init_variances(scheme, variance):
    net = MLP([400, 300, 2], init=scheme, seed=0)
    w = net.params[0]
    assert w.var() == pytest.approx(variance, rel=0.03)
    assert abs(w.mean()) < 0.01 * np.sqrt(variance) * 10


def test_init_bias_rules_and_overrides():
    net = MLP([100, 50, 2], init="torch_default", seed=0)
    bound = 1 / np.sqrt(100)
    assert np.abs(net.params[1]).max() <= bound and net.params[1].std() > bound / 3
    he = MLP([100, 50, 2], init="he_normal", seed=0)
    assert not he.params[1].any()
    layered = MLP(
        [3, 4, 2],
        init=[Init("constant", value=0.5, bias=-3.0), {"scheme": "normal", "std": 0.01}],
        seed=0,
    )
    assert (layered.params[0] == 0.5).all() and (layered.params[1] == -3.0).all()
    assert layered.params[2].std() < 0.05
    assert MLP([3, 4, 2], init="zeros").n_params == 3 * 4 + 4 + 4 * 2 + 2


def test_every_init_scheme_builds():
    for scheme in INITS:
        net = MLP([6, 5, 2], init=scheme, seed=1)
        assert all(np.isfinite(p).all() for p in net.params)


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="allowed"):
        MLP([2, 3, 2], activation="swish")
    with pytest.raises(ValueError, match="allowed"):
        MLP([2, 3, 2], init="lecun")
    with pytest.raises(ValueError, match="one value per layer"):
        MLP([2, 3, 3, 2], activation=["relu"])
    with pytest.raises(ValueError, match="dropout"):
        MLP([2, 3, 2], dropout=1.0)
