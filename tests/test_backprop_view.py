"""The backprop view's numbers (``live.backprop_view``) are the step the trainer took:
the forward pass as the network computes it, the chain rule's factors multiplying to the
dL/dz the trainer used, every gradient against central differences of the loss, and SGD's
update; the run loop sends it while asked."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import BACKPROP_TINY, drive, explained

from nnterm.engine.live import run_commands as rc
from nnterm.engine.live.backprop_view import build_backprop_view
from nnterm.engine.live.run_set import build_run_set
from nnterm.engine.nn.losses import get_loss
from nnterm.engine.training import commands as cmd
from nnterm.engine.training.trainer import Trainer


def forward_from(trainer: Trainer, layer: int, a: np.ndarray, params: list[np.ndarray]
                 ) -> np.ndarray:
    """The logits, going on from layer ``layer``'s input ``a`` with ``params``."""
    net = trainer.net
    for i in range(layer, net.n_layers):
        z = a @ params[2 * i] + params[2 * i + 1]
        a = z if i == net.n_layers - 1 else net.activations[i].forward(z)
    return a


def test_the_forward_pass_shown_is_the_networks():
    trainer = explained()
    view = build_backprop_view(trainer)
    assert view.step == 3 and view.batch == 1 and view.input_names == ("x1", "x2")
    a = view.layers[0].inputs
    np.testing.assert_array_equal(a, trainer.last_step.X[0])
    for layer in view.layers:
        np.testing.assert_array_equal(layer.inputs, a)  # each layer reads the one below
        np.testing.assert_allclose(layer.z, a @ layer.weights + layer.bias, rtol=1e-13)
        if layer.activation == "tanh":
            np.testing.assert_allclose(layer.a, np.tanh(layer.z), rtol=1e-13)
        a = layer.a
    p = 1 / (1 + np.exp(-view.layers[-1].z[0]))
    assert view.layers[-1].a[0] == pytest.approx(p, rel=1e-13)


def test_the_chain_rules_factors_multiply_to_the_trainers_gradient():
    trainer = explained()
    view = build_backprop_view(trainer)
    hidden, out = view.layers
    np.testing.assert_array_equal(hidden.grad_a * hidden.slope, hidden.grad_z)  # to the bit
    np.testing.assert_allclose(hidden.slope, 1 - np.tanh(hidden.z) ** 2, rtol=1e-12)
    y = view.target
    assert out.grad_z[0] == pytest.approx(out.a[0] - y, rel=1e-12)  # sigmoid + BCE: p - y


def test_every_gradient_shown_is_a_central_difference_of_the_loss():
    trainer = explained()
    view = build_backprop_view(trainer)
    taken = trainer.last_step
    loss = get_loss(trainer.loss.name)
    eps = 1e-6

    def loss_of(params, layer=0, a=None):
        a = taken.X if a is None else a
        return loss.value_and_grad(forward_from(trainer, layer, a, params), taken.y)[0]

    def central(change) -> float:
        return (change(eps) - change(-eps)) / (2 * eps)

    params = [p.copy() for p in taken.before]
    for i, layer in enumerate(view.layers):
        for j in range(layer.weights.shape[0]):
            for k in range(layer.weights.shape[1]):
                def nudged(e, i=i, j=j, k=k):
                    moved = [p.copy() for p in params]
                    moved[2 * i][j, k] += e
                    return loss_of(moved)
                assert layer.grad_weights[j, k] == pytest.approx(central(nudged), abs=1e-8)
        for k in range(len(layer.bias)):
            def nudged_b(e, i=i, k=k):
                moved = [p.copy() for p in params]
                moved[2 * i + 1][k] += e
                return loss_of(moved)
            numeric = central(nudged_b)
            assert layer.grad_bias[k] == pytest.approx(numeric, abs=1e-8)
            assert layer.grad_z[k] == pytest.approx(numeric, abs=1e-8)  # batch of one
    hidden = view.layers[0]
    for k in range(len(hidden.a)):  # dL/da: the loss as a function of the unit's output
        def nudged_a(e, k=k):
            a = hidden.a.copy()
            a[k] += e
            return loss_of(params, layer=1, a=a[None, :])
        assert hidden.grad_a[k] == pytest.approx(central(nudged_a), abs=1e-8)


def test_the_update_is_sgds():
    view = build_backprop_view(explained())
    for layer in view.layers:
        np.testing.assert_allclose(layer.new_weights,
                                   layer.weights - view.lr * layer.grad_weights, rtol=1e-13)
        np.testing.assert_allclose(layer.new_bias, layer.bias - view.lr * layer.grad_bias,
                                   rtol=1e-13)


def test_nothing_is_kept_unless_explaining_and_a_reset_forgets():
    trainer = Trainer(BACKPROP_TINY)
    trainer.step()
    assert trainer.last_step is None and build_backprop_view(trainer) is None
    trainer = explained()
    trainer.apply(cmd.Reset())
    assert trainer.last_step is None


def test_the_loop_sends_the_last_step_while_asked():
    runs = build_run_set([("base", BACKPROP_TINY)])
    shown = drive(runs, [cmd.Pause(), rc.ExplainSteps(True), cmd.StepOnce()],
                  until=lambda s: s.backprop is not None)
    assert shown[-1].backprop.step == 1 and shown[-1].step == 1
    hidden = drive(runs, [rc.ExplainSteps(False), cmd.StepOnce()], until=lambda s: s.step == 2)
    assert hidden[-1].backprop is None and not runs.base.explaining
