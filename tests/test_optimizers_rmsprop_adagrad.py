"""RMSprop and Adagrad against hand-worked sequences (torch parity: test_optimizers).

RMSprop with alpha 0.75 and gradients 2, 1, -1 keeps v = 1 on every step
(0.25*4 = 1, then 0.75*1 + 0.25*1 = 1), so each step divides by sqrt(1) + 0 exactly.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import assert_trajectory, trajectory

from nnterm.engine.nn.optimizers import Adagrad, RMSprop, make_optimizer

GRADS = [[2.0], [1.0], [-1.0]]


def test_rmsprop_divides_by_the_root_mean_square_without_a_bias_correction():
    got = trajectory(RMSprop(lr=1.0, alpha=0.75, eps=0.0), [0.0], GRADS)
    # v = 1 each step, so p moves by g. The first step is as long as g, 2, where a
    # bias-corrected v (Adam's v_hat = g^2 = 4) would give 1: sqrt(v) = sqrt(1 - a) |g|.
    assert_trajectory(got, [[-2.0], [-3.0], [-2.0]])


def test_rmsprop_momentum_accumulates_the_scaled_gradient():
    got = trajectory(RMSprop(lr=1.0, alpha=0.75, eps=0.0, momentum=0.5), [0.0], GRADS)
    assert_trajectory(
        got,
        [
            [-2.0],  # b = 2/1 = 2;             p = 0 - 2
            [-4.0],  # b = 0.5*2 + 1/1 = 2;     p = -2 - 2
            [-4.0],  # b = 0.5*2 - 1/1 = 0;     p = -4 - 0
        ],
    )


def test_rmsprop_centered_divides_by_the_spread():
    # alpha 0.5, g = 2: v = 0.5*4 = 2, m = 0.5*2 = 1, v - m^2 = 1: p = 0 - 1*2/1 = -2
    # (uncentred: sqrt(2), p = -sqrt(2)).
    assert_trajectory(trajectory(RMSprop(lr=1.0, alpha=0.5, eps=0.0, centered=True), [0.0],
                                 [[2.0]]), [[-2.0]])
    assert_trajectory(trajectory(RMSprop(lr=1.0, alpha=0.5, eps=0.0), [0.0], [[2.0]]),
                      [[-2 ** 0.5]])


def test_rmsprop_weight_decay_is_added_to_the_gradient():
    # wd 0.5, p0 = 2: raw gradient 1 + 0.5*2 = 2, as the first step above: p = 2 - 2.
    assert_trajectory(trajectory(RMSprop(lr=1.0, alpha=0.75, eps=0.0, weight_decay=0.5), [2.0],
                          [[1.0]]), [[0.0]])


def test_adagrad_steps_shrink_as_the_squares_add_up():
    got = trajectory(Adagrad(lr=1.0, eps=0.0), [0.0], [[3.0], [4.0]])
    assert_trajectory(
        got,
        [
            [-1.0],  # s = 9;       p = 0 - 3/3
            [-1.8],  # s = 9 + 16;  p = -1 - 4/5
        ],
    )


def test_adagrad_lr_decay_and_initial_accumulator():
    got = trajectory(Adagrad(lr=1.0, eps=0.0, lr_decay=1.0), [0.0], [[3.0], [4.0]])
    assert_trajectory(got, [[-1.0], [-1.4]])  # clr = 1, then 1/(1 + 1*1): -1 - 0.8/2
    got = trajectory(Adagrad(lr=1.0, eps=0.0, initial_accumulator_value=16.0), [0.0], [[3.0]])
    assert_trajectory(got, [[-0.6]])  # s = 16 + 9: p = 0 - 3/5


def test_adagrad_eps_is_added_after_the_root():
    # s = 9, eps 1: 3 / (3 + 1) (under the root: 3 / sqrt(10)).
    assert_trajectory(trajectory(Adagrad(lr=1.0, eps=1.0), [0.0], [[3.0]]), [[-0.75]])


def test_the_defaults_follow_torch():
    assert make_optimizer("RMSprop").hyperparams() == {
        "lr": 1e-2, "alpha": 0.99, "eps": 1e-8, "weight_decay": 0.0, "momentum": 0.0,
        "centered": False}
    assert make_optimizer("adagrad").hyperparams() == {
        "lr": 1e-2, "lr_decay": 0.0, "weight_decay": 0.0, "initial_accumulator_value": 0.0,
        "eps": 1e-10}


def test_momentum_switched_on_mid_run_starts_its_buffer_at_zero():
    opt = RMSprop(lr=1.0, alpha=0.75, eps=0.0)
    p = np.zeros(1)
    opt.step([p], [np.array([2.0])])  # p = -2, no buffer
    assert "momentum_buffer" not in opt.state
    opt.momentum = 0.5
    opt.step([p], [np.array([1.0])])  # b = 0.5*0 + 1 = 1: p = -3
    assert p[0] == pytest.approx(-3.0, abs=1e-15) and opt.state["momentum_buffer"][0] == 1.0
