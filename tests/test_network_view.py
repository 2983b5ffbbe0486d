"""The network view's numbers (``live.network_view``) are the engine's: pictures and the
point's z and a as the network computes them, every gradient against central differences,
units by importance, dead and saturated shares; and the run loop sends it when asked."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import MOONS, drive, numeric_grads, trained

from nnterm.engine.live import run_commands as rc
from nnterm.engine.live.network_view import build_network_view
from nnterm.engine.live.plane import data_extent, plane_grid
from nnterm.engine.live.run_set import build_run_set
from nnterm.engine.nn.features import FEATURES, FeatureMap
from nnterm.engine.training import commands as cmd
from nnterm.engine.training.config import (
    Config,
    DataConfig,
    ModelConfig,
    TrainConfig,
    with_changes,
)
from nnterm.engine.training.trainer import Trainer


def test_the_pictures_and_the_point_are_what_the_network_computes():
    trainer = trained()
    view = build_network_view(trainer, point=7, resolution=6)
    net, data = trainer.net, trainer.dataset
    assert view.extent == data_extent(np.concatenate([data.X_train, data.X_val]))
    grid = plane_grid(view.extent, 6, net.dtype)
    _, _, hidden = net.trace(grid)
    for i, layer in enumerate(view.layers[:-1]):
        for k, unit in enumerate(layer.units):
            np.testing.assert_allclose(layer.pictures[k].ravel(), hidden[i].a[:, unit],
                                       rtol=1e-6, atol=1e-7)  # (float32: only drawn)
    for k, name in enumerate(FEATURES):  # every feature, read or not
        np.testing.assert_allclose(view.feature_pictures[k].ravel(),
                                   FeatureMap([name]).apply(grid)[:, 0], rtol=1e-6, atol=1e-7)
    # the point: z = a_prev . w + b and a = f(z), unit by unit, layer by layer
    a_prev = data.X_train[7]
    np.testing.assert_array_equal(view.point_inputs, a_prev)
    assert view.point_xy == tuple(data.X_train[7]) and view.point_label.startswith("class ")
    for layer in view.layers:
        z = a_prev @ layer.weights + layer.bias
        np.testing.assert_allclose(layer.z, z, rtol=1e-12, atol=1e-12)
        if layer.activation == "tanh":
            np.testing.assert_allclose(layer.a, np.tanh(z), rtol=1e-12)
        order = np.argsort(layer.units)
        a_prev = layer.a[order]  # the next layer's weights are by unit index
    probs = view.layers[-1].a
    np.testing.assert_allclose(probs, np.exp(z) / np.exp(z).sum(), rtol=1e-12)
    assert build_network_view(trainer, point=47, resolution=6).point == 7  # wraps


def test_every_gradient_shown_is_a_central_difference_of_the_loss():
    trainer = trained()
    view = build_network_view(trainer, point=0, resolution=4)
    X, y = trainer.probe
    net, loss = trainer.net, trainer.loss

    def probe_loss() -> float:
        return loss.value_and_grad(net.forward(X), y)[0]

    numeric = numeric_grads(net, probe_loss)  # every parameter, in params' order
    for i, layer in enumerate(view.layers):
        dW, db = numeric[2 * i], numeric[2 * i + 1]
        for k, unit in enumerate(layer.units):
            for row in range(dW.shape[0]):
                assert layer.grad_weights[row, k] == pytest.approx(dW[row, unit], abs=1e-7)
            assert layer.grad_bias[k] == pytest.approx(db[unit], abs=1e-7)
            assert layer.grad_z[k] == pytest.approx(db[unit], abs=1e-7)  # dL/db = dL/dz


def test_hidden_units_come_most_important_first_and_the_output_in_order():
    trainer = trained()
    view = build_network_view(trainer, point=0, resolution=4)
    for i, layer in enumerate(view.layers[:-1]):
        norms = np.linalg.norm(trainer.net.params[2 * (i + 1)], axis=1)
        assert sorted(layer.units) == list(range(len(norms)))
        assert list(norms[list(layer.units)]) == sorted(norms, reverse=True)
    assert view.layers[-1].units == (0, 1) and view.layers[-1].activation == "output"


def test_dead_and_saturated_units_are_counted():
    dead = with_changes(MOONS, {"model.activation": "relu",
                                "model.init": {"scheme": "he_normal", "bias": -50.0}})
    view = build_network_view(Trainer(dead), point=0, resolution=4)
    assert np.all(view.layers[0].dead == 1.0) and np.all(view.layers[0].saturated == 0.0)
    hot = with_changes(MOONS, {"model.init": {"scheme": "normal", "std": 50.0}})
    view = build_network_view(Trainer(hot), point=0, resolution=4)
    assert view.layers[0].saturated.mean() > 0.5 and np.all(view.layers[0].dead == 0.0)


def test_features_are_the_inputs_it_shows():
    config = with_changes(MOONS, {"data.features": ("x1x2", "sin_x2")})
    trainer = Trainer(config)
    view = build_network_view(trainer, point=2, resolution=5)
    grid = plane_grid(view.extent, 5, np.float64)
    assert view.input_names == ("x1x2", "sin_x2")
    x1x2 = FEATURES.index("x1x2")
    np.testing.assert_allclose(view.feature_pictures[x1x2].ravel(), grid[:, 0] * grid[:, 1],
                               rtol=1e-6)
    x1, x2 = trainer.dataset.X_train[2]
    np.testing.assert_allclose(view.point_inputs, [x1 * x2, np.sin(x2)])
    assert view.feature_values[x1x2] == view.point_inputs[0]


def test_only_inputs_of_the_plane_have_a_network_view():
    sine = Config(data=DataConfig(name="sine", n_train=20, n_val=20),
                  model=ModelConfig(hidden=(4,)), train=TrainConfig(steps=10))
    sine = with_changes(sine, {"model.loss": "mse"})
    assert build_network_view(Trainer(sine), point=0) is None


def test_the_loop_sends_the_view_only_while_asked():
    runs = build_run_set([("base", MOONS)])
    shown = drive(runs, [cmd.Pause(), rc.WatchNetwork(5)],
                  until=lambda s: s.network is not None)
    assert shown[-1].network.point == 5
    assert all(s.network is None for s in shown[:-1])
    hidden = drive(runs, [rc.WatchNetwork(None), cmd.StepOnce()],
                   until=lambda s: s.step == 1)
    assert hidden[-1].network is None
