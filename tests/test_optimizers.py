"""Optimizer updates against hand-worked sequences (against torch.optim: test_optimizers_torch).

The hand-worked cases use numbers that are exact in binary where possible. For Adam the
gradients keep |g| = 2 on every step, so v_hat = g^2 = 4 exactly and sqrt(v_hat) + eps is a
round number; only m_hat changes, which keeps the arithmetic doable on paper.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
from helpers import assert_trajectory, trajectory

from nnterm.engine.nn.optimizers import (
    OPTIMIZERS,
    SGD,
    Adam,
    AdamW,
    clip_grad_norm,
    make_optimizer,
)

# --- SGD -------------------------------------------------------------------------------------


def test_sgd_plain():
    opt = SGD(lr=0.5)
    got = trajectory(opt, [1.0, -2.0], [[1.0, 2.0], [2.0, -4.0], [4.0, 0.0]])
    assert_trajectory(
        got,
        [
            [0.5, -3.0],  # [1 - 0.5*1, -2 - 0.5*2]
            [-0.5, -1.0],  # [0.5 - 0.5*2, -3 + 0.5*4]
            [-2.5, -1.0],  # [-0.5 - 0.5*4, -1 - 0]
        ],
    )


def test_sgd_momentum():
    opt = SGD(lr=1.0, momentum=0.5)
    got = trajectory(opt, [0.0], [[1.0], [1.0], [1.0]])
    assert_trajectory(
        got,
        [
            [-1.0],  # b = g = 1;                     p = 0 - 1
            [-2.5],  # b = 0.5*1 + 1 = 1.5;           p = -1 - 1.5
            [-4.25],  # b = 0.5*1.5 + 1 = 1.75;       p = -2.5 - 1.75
        ],
    )


def test_sgd_dampening_skips_the_first_step():
    opt = SGD(lr=1.0, momentum=0.5, dampening=0.5)
    got = trajectory(opt, [0.0], [[2.0], [4.0], [8.0]])
    assert_trajectory(
        got,
        [
            [-2.0],  # b = g = 2 (torch clones g: no dampening on the first step); p = -2
            [-5.0],  # b = 0.5*2 + (1-0.5)*4 = 3;        p = -2 - 3
            [-10.5],  # b = 0.5*3 + (1-0.5)*8 = 5.5;     p = -5 - 5.5
        ],
    )


def test_sgd_nesterov():
    opt = SGD(lr=1.0, momentum=0.5, nesterov=True)
    got = trajectory(opt, [0.0], [[1.0], [2.0], [4.0]])
    assert_trajectory(
        got,
        [
            [-1.5],  # b = 1;                  step g + 0.5 b = 1 + 0.5 = 1.5
            [-4.75],  # b = 0.5 + 2 = 2.5;     step 2 + 1.25 = 3.25;  p = -1.5 - 3.25
            [-11.375],  # b = 1.25 + 4 = 5.25; step 4 + 2.625 = 6.625; p = -4.75 - 6.625
        ],
    )


def test_sgd_weight_decay():
    opt = SGD(lr=0.5, weight_decay=0.5)
    got = trajectory(opt, [2.0], [[1.0], [-1.0], [2.0]])
    assert_trajectory(
        got,
        [
            [1.0],  # g = 1 + 0.5*2 = 2;          p = 2 - 0.5*2
            [1.25],  # g = -1 + 0.5*1 = -0.5;     p = 1 + 0.25
            [-0.0625],  # g = 2 + 0.5*1.25 = 2.625; p = 1.25 - 1.3125
        ],
    )


def test_sgd_weight_decay_enters_the_momentum_buffer():
    opt = SGD(lr=0.5, momentum=0.5, weight_decay=1.0)
    got = trajectory(opt, [1.0], [[0.0], [0.0], [0.0]])
    assert_trajectory(
        got,
        [
            [0.5],  # g = 0 + 1*1 = 1;     b = 1;               p = 1 - 0.5*1
            [0.0],  # g = 0.5;             b = 0.5 + 0.5 = 1;   p = 0.5 - 0.5*1
            [-0.25],  # g = 0;             b = 0.5 + 0 = 0.5;   p = 0 - 0.5*0.5
        ],
    )


# --- Adam / AdamW ----------------------------------------------------------------------------
# betas (0.5, 0.75), eps = 1, |g| = 2 on every step: v_hat = 4, so denom = sqrt(4) + 1 = 3.
# m with g = 2, -2, -2, 2:  m1 = 1, m2 = 0.5 - 1 = -0.5, m3 = -0.25 - 1 = -1.25,
# m4 = -0.625 + 1 = 0.375; bias corrections 1 - 0.5^t = 1/2, 3/4, 7/8, 15/16, so
# m_hat = 2, -2/3, -10/7, 2/5 and the Adam step lr * m_hat / 3 = 2/3, -2/9, -10/21, 2/15 (lr=1).

ADAM_HAND = {"lr": 1.0, "betas": (0.5, 0.75), "eps": 1.0}
SIGNS = [[2.0], [-2.0], [-2.0], [2.0]]


def test_adam_plain():
    got = trajectory(Adam(**ADAM_HAND), [0.0], SIGNS)
    assert_trajectory(
        got,
        [
            [-2 / 3],  # 0 - 2/3
            [-4 / 9],  # -2/3 + 2/9
            [2 / 63],  # -4/9 + 10/21 = (-28 + 30)/63
            [-32 / 315],  # 2/63 - 2/15 = (10 - 42)/315
        ],
    )


def test_adam_constant_gradient_moves_by_lr():
    # g = -2 on every step: m_hat = -2 exactly, step = 1 * -2 / 3 each time.
    got = trajectory(Adam(**ADAM_HAND), [0.0], [[-2.0]] * 4)
    assert_trajectory(got, [[2 / 3], [4 / 3], [2.0], [8 / 3]])


def test_adam_eps_is_added_after_the_square_root():
    # First step, g = 2: m = 1, v = 0.25*4 = 1, bc1 = 0.5, bc2 = 0.25, m_hat = 2, v_hat = 4.
    # eps = 5: denom = sqrt(v_hat) + 5 = 7 and p = 0 - 7*2/7 = -2. (eps under the root,
    # sqrt(4 + 5) = 3, or before the bias correction, (1 + 5)/0.5 = 12, would give -14/3, -7/6.)
    got = trajectory(Adam(lr=7.0, betas=(0.5, 0.75), eps=5.0), [0.0], [[2.0]])
    assert_trajectory(got, [[-2.0]])


def test_adam_weight_decay_is_added_to_the_gradient():
    # wd = 0.5, p0 = 2; the raw gradients are chosen so that g + 0.5 p = 2, -2, -2, which
    # gives the same steps as test_adam_plain: 2/3, -2/9, -10/21.
    grads = [
        [1.0],  # 2 - 0.5*2
        [-8 / 3],  # -2 - 0.5*(4/3)
        [-25 / 9],  # -2 - 0.5*(14/9)
    ]
    got = trajectory(Adam(**ADAM_HAND, weight_decay=0.5), [2.0], grads)
    assert_trajectory(
        got,
        [
            [4 / 3],  # 2 - 2/3
            [14 / 9],  # 4/3 + 2/9
            [128 / 63],  # 14/9 + 10/21 = (98 + 30)/63
        ],
    )


def test_adamw_decays_the_params_not_the_gradient():
    # lr = 1, wd = 0.5: p is first multiplied by 1 - 1*0.5, then takes the plain Adam step.
    got = trajectory(AdamW(**ADAM_HAND, weight_decay=0.5), [2.0], SIGNS[:3])
    assert_trajectory(
        got,
        [
            [1 / 3],  # 2*0.5 - 2/3
            [7 / 18],  # (1/3)*0.5 + 2/9 = 3/18 + 4/18
            [169 / 252],  # (7/18)*0.5 + 10/21 = 49/252 + 120/252
        ],
    )


def test_adamw_defaults_follow_torch():
    opt = AdamW()
    assert opt.hyperparams() == {
        "lr": 1e-3,
        "betas": (0.9, 0.999),
        "eps": 1e-8,
        "weight_decay": 1e-2,
    }
    assert Adam().weight_decay == 0.0


# --- state across hyperparameter changes -----------------------------------------------------


def test_changing_sgd_lr_and_momentum_keeps_the_buffer():
    opt = SGD(lr=1.0, momentum=0.5)
    p = np.zeros(1)
    one = np.ones(1)
    opt.step([p], [one])  # b = 1; p = -1
    opt.lr = 2.0
    opt.step([p], [one])  # b = 0.5*1 + 1 = 1.5; p = -1 - 2*1.5 = -4
    assert p[0] == -4.0
    opt.momentum = 0.25
    opt.step([p], [one])  # b = 0.25*1.5 + 1 = 1.375; p = -4 - 2*1.375 = -6.75
    assert p[0] == -6.75
    opt.reset_state()
    opt.step([p], [one])  # fresh: b = 1; p = -6.75 - 2*1 = -8.75
    assert p[0] == -8.75


def test_changing_adam_lr_keeps_moments_and_step_count():
    opt = Adam(**ADAM_HAND)
    p = np.zeros(1)
    opt.step([p], [np.array([2.0])])  # p = -2/3
    opt.step([p], [np.array([-2.0])])  # p = -4/9
    opt.lr = 3.0
    opt.step([p], [np.array([-2.0])])  # t = 3, m_hat = -10/7: p = -4/9 + 3*(10/21) = 62/63
    assert p[0] == pytest.approx(62 / 63, rel=1e-13)
    assert opt.t == 3
    opt.reset_state()
    opt.step([p], [np.array([-2.0])])  # fresh: m_hat = -2, p = 62/63 + 3*2/3 = 188/63
    assert p[0] == pytest.approx(188 / 63, rel=1e-13)
    assert opt.t == 1


def test_state_is_per_list_position():
    # Two arrays with different gradient histories under momentum 0.5, lr 1.
    opt = SGD(lr=1.0, momentum=0.5)
    a, b = np.zeros(2), np.zeros((1, 1))
    opt.step([a, b], [np.array([1.0, 2.0]), np.array([[4.0]])])  # b_a = [1, 2], b_b = 4
    opt.step([a, b], [np.array([0.0, 0.0]), np.array([[0.0]])])  # b_a = [0.5, 1], b_b = 2
    np.testing.assert_array_equal(a, [-1.5, -3.0])  # -(1 + 0.5), -(2 + 1)
    np.testing.assert_array_equal(b, [[-6.0]])  # -(4 + 2)
    with pytest.raises(ValueError, match="reset_state"):
        opt.step([a], [np.zeros(2)])


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_a_deep_copy_mid_run_steps_exactly_like_the_original(name):
    rng = np.random.default_rng(0)
    params = [rng.normal(size=(3, 2)), rng.normal(size=2)]
    grads = [[rng.normal(size=p.shape) for p in params] for _ in range(6)]
    opt = make_optimizer(name, lr=0.1, **({"momentum": 0.9} if name == "sgd" else {}))
    for g in grads[:3]:
        opt.step(params, g)
    copy_params = [p.copy() for p in params]
    twin = copy.deepcopy(opt)
    for g in grads[3:]:
        opt.step(params, g)
        twin.step(copy_params, g)
    for p, q in zip(params, copy_params, strict=True):
        np.testing.assert_array_equal(p, q)


# --- clipping --------------------------------------------------------------------------------


def test_clip_grad_norm_scales_to_max_norm():
    grads = [np.array([3.0, 4.0]), np.array([[12.0]])]  # norms 5 and 12: total sqrt(25+144) = 13
    total = clip_grad_norm(grads, 6.5)
    assert total == 13.0
    coef = 6.5 / 13.000001  # max_norm / (total + 1e-6), just under 1/2
    np.testing.assert_allclose(grads[0], [3 * coef, 4 * coef], rtol=1e-15)
    np.testing.assert_allclose(grads[1], [[12 * coef]], rtol=1e-15)
    assert grads[0][0] == pytest.approx(1.5, rel=1e-6)


def test_clip_grad_norm_leaves_small_gradients_alone():
    grads = [np.array([3.0, 4.0]), np.array([[12.0]])]
    assert clip_grad_norm(grads, 26.0) == 13.0  # coef = 26/13.000001 > 1: no change
    np.testing.assert_array_equal(grads[0], [3.0, 4.0])
    np.testing.assert_array_equal(grads[1], [[12.0]])


def test_clip_grad_norm_at_exactly_max_norm_still_scales():
    grads = [np.array([3.0, 4.0])]  # total 5
    assert clip_grad_norm(grads, 5.0) == 5.0
    coef = 5.0 / 5.000001  # the 1e-6 makes coef < 1
    np.testing.assert_allclose(grads[0], [3 * coef, 4 * coef], rtol=1e-15)
    assert grads[0][0] != 3.0


# --- dtype, aliasing, interface --------------------------------------------------------------

CONFIGS = [
    ("sgd", {"lr": 0.1}),
    ("sgd", {"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "weight_decay": 0.01}),
    ("sgd", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    ("adam", {"lr": 0.01}),
    ("adam", {"lr": 0.01, "weight_decay": 0.1}),
    ("adamw", {"lr": 0.01}),
    ("rmsprop", {"lr": 0.01, "momentum": 0.9, "centered": True, "weight_decay": 0.01}),
    ("adagrad", {"lr": 0.1, "lr_decay": 0.01, "initial_accumulator_value": 0.1}),
]


@pytest.mark.parametrize(("name", "kwargs"), CONFIGS)
def test_float32_params_stay_float32_and_grads_are_not_mutated(name, kwargs):
    rng = np.random.default_rng(0)
    p64 = [rng.standard_normal((2, 3)), rng.standard_normal(3)]
    p32 = [p.astype(np.float32) for p in p64]
    ids = [id(p) for p in p32]
    opt32, opt64 = make_optimizer(name, **kwargs), make_optimizer(name, **kwargs)
    for _ in range(5):
        g64 = [rng.standard_normal(p.shape) for p in p64]
        g32 = [g.astype(np.float32) for g in g64]
        before = [g.copy() for g in g32]
        opt32.step(p32, g32)
        opt64.step(p64, g64)
        for g, b in zip(g32, before, strict=True):
            np.testing.assert_array_equal(g, b)
    assert [id(p) for p in p32] == ids  # updated in place
    assert all(p.dtype == np.float32 for p in p32)
    for a, b in zip(p32, p64, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_make_optimizer_by_name_any_case():
    assert OPTIMIZERS == ("sgd", "adam", "adamw", "rmsprop", "adagrad")
    opt = make_optimizer("AdamW", lr=0.5, betas=[0.8, 0.9])
    assert isinstance(opt, AdamW)
    assert opt.name == "adamw"
    assert opt.hyperparams() == {"lr": 0.5, "betas": (0.8, 0.9), "eps": 1e-8, "weight_decay": 0.01}
    sgd = make_optimizer("SGD", momentum=0.9, nesterov=True)
    assert (sgd.name, sgd.momentum, sgd.nesterov, sgd.lr) == ("sgd", 0.9, True, 1e-3)
    assert make_optimizer("adam").name == "adam"


@pytest.mark.parametrize(
    ("name", "kwargs", "message"),
    [
        ("lbfgs", {}, "allowed: sgd, adam, adamw, rmsprop, adagrad"),
        ("sgd", {"beta": 0.9}, "allowed: lr, momentum, dampening, nesterov, weight_decay"),
        ("adam", {"momentum": 0.9}, "allowed: lr, betas, eps, weight_decay"),
        ("sgd", {"lr": -0.1}, "SGD: lr must be a number > 0, got -0.1"),
        ("sgd", {"lr": 0.0}, "lr must be a number > 0"),
        ("sgd", {"lr": "1e-3"}, "lr must be a number > 0"),
        ("sgd", {"momentum": -0.5}, "momentum must be a number >= 0"),
        ("sgd", {"dampening": -0.5}, "dampening must be a number >= 0"),
        ("sgd", {"weight_decay": -1.0}, "weight_decay must be a number >= 0"),
        ("sgd", {"nesterov": 1}, "nesterov must be true or false"),
        ("sgd", {"nesterov": True}, "nesterov momentum requires momentum > 0"),
        ("sgd", {"nesterov": True, "momentum": 0.9, "dampening": 0.1}, "dampening = 0"),
        ("adam", {"lr": float("nan")}, "Adam: lr must be a number > 0, got nan"),
        ("adam", {"eps": -1e-8}, "eps must be a number >= 0"),
        ("adam", {"betas": (1.0, 0.999)}, r"betas must be a list of 2 values, each a number in "
                                          r"\[0, 1\)"),
        ("adam", {"betas": (0.9, -0.1)}, r"betas must be .*, got \(0.9, -0.1\)"),
        ("adam", {"betas": (0.9,)}, "betas must be a list of 2 values"),
        ("adam", {"betas": "ab"}, "betas must be a list of 2 values"),
        ("adamw", {"weight_decay": -0.01}, "AdamW: weight_decay must be a number >= 0"),
        ("rmsprop", {"alpha": 1.5}, r"RMSprop: alpha must be a number in \[0, 1\], got 1.5"),
        ("rmsprop", {"centered": "yes"}, "centered must be true or false"),
        ("rmsprop", {"momentum": -0.9}, "momentum must be a number >= 0"),
        ("adagrad", {"lr_decay": -1.0}, "Adagrad: lr_decay must be a number >= 0"),
        ("adagrad", {"initial_accumulator_value": -0.1}, "initial_accumulator_value must be"),
        ("adagrad", {"momentum": 0.9},
         "allowed: lr, lr_decay, weight_decay, initial_accumulator_value, eps"),
    ],
)
def test_invalid_settings_raise(name, kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_optimizer(name, **kwargs)


def test_validate_checks_edited_attributes():
    opt = SGD(lr=0.1, momentum=0.9, nesterov=True)
    opt.validate()
    opt.momentum = 0.0
    with pytest.raises(ValueError, match="nesterov"):
        opt.validate()


def test_step_rejects_mismatched_or_mixed_lists():
    with pytest.raises(ValueError, match="parallel"):
        SGD().step([np.zeros(2)], [np.zeros(2), np.zeros(2)])
    with pytest.raises(ValueError, match="one floating-point dtype"):
        Adam().step([np.zeros(2), np.zeros(2, np.float32)], [np.zeros(2), np.zeros(2)])
    with pytest.raises(ValueError, match="one floating-point dtype"):
        Adam().step([np.zeros(2, int)], [np.zeros(2)])


def test_clip_grad_norm_rejects_negative_max_norm():
    with pytest.raises(ValueError, match="max_norm"):
        clip_grad_norm([np.ones(2)], -1.0)
