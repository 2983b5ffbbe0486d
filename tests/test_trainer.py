"""The Trainer: determinism, learning, controls between steps, telemetry and stopping."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pytest

from nnterm.engine.nn.initializers import Init
from nnterm.engine.training import commands as cmd
from nnterm.engine.training.config import (
    Config,
    DataConfig,
    EarlyStoppingConfig,
    ModelConfig,
    OptimizerConfig,
    SolverConfig,
    TrainConfig,
    with_changes,
)
from nnterm.engine.training.status import DIVERGED, EARLY_STOPPED, FINISHED
from nnterm.engine.training.telemetry import update_ratios
from nnterm.engine.training.trainer import Trainer

MOONS = Config(
    data=DataConfig(name="moons", n_train=200, n_val=200, noise=0.1),
    model=ModelConfig(hidden=(16, 16), activation="relu", dropout=0.1),
    train=TrainConfig(steps=300, batch_size=32, optimizer=OptimizerConfig("adam", lr=0.01),
                      log_every=20),
    seed=3,
)


def records(trainer: Trainer) -> list[dict]:
    return [r.to_json() for r in trainer.history.records]


def test_same_config_gives_bit_identical_records():
    a, b = Trainer(MOONS), Trainer(MOONS)
    a.run()
    b.run()
    assert records(a) == records(b)
    for ra, rb in zip(a.history.records, b.history.records, strict=True):
        for ha, hb in zip(ra.grad_hist, rb.grad_hist, strict=True):
            np.testing.assert_array_equal(ha, hb)
    c = Trainer(replace(MOONS, seed=4))
    c.run()
    assert records(c) != records(a)


def test_moons_learns_and_records_every_log_interval():
    t = Trainer(MOONS)
    last = t.run()
    steps = [r.step for r in t.history.records]
    assert steps == list(range(0, 301, 20))
    first = t.history.records[0]
    assert last.train_loss < 0.5 * first.train_loss
    assert last.val_acc > 0.9
    assert len(last.grad_norm) == 3 and len(last.dead_frac) == 2
    assert all(-8 < r < 0 for r in last.update_ratio)
    assert first.update_ratio == ()
    # 7 batches an epoch (6 x 32 + 8): 42 epochs in 294 steps, then 6 batches of 32
    assert last.epoch == pytest.approx((42 * 200 + 6 * 32) / 200)


def test_the_update_ratio_of_weights_that_were_all_zero_is_nan_not_minus_inf():
    """-inf says "nothing moved" (shown as 0); zero weights that moved have no ratio."""
    zero, one = np.zeros((2, 3)), np.ones((2, 3))
    ratios = update_ratios([zero, zero, one, one], [one, zero, one, 1.001 * one])
    assert math.isnan(ratios[0]) and ratios[1] == -math.inf and ratios[2] == -math.inf
    assert ratios[3] == pytest.approx(-3.0)


def test_xor_four_points_tanh_reaches_full_accuracy():
    config = Config(
        data=DataConfig(name="xor", n_train=4, n_val=4, params={"points": 4}),
        model=ModelConfig(hidden=(8,), activation="tanh"),
        train=TrainConfig(steps=2000, batch_size=0, optimizer=OptimizerConfig("adam", lr=0.1),
                          log_every=500),
    )
    for seed in range(3):
        last = Trainer(replace(config, seed=seed)).run()
        assert last.train_acc == 1.0


def test_a_run_finishes_at_its_steps_and_goes_on_when_given_more():
    t = Trainer(with_changes(MOONS, {"train.steps": 30}))
    t.run()
    assert t.status == FINISHED and t.done and not t.tick()
    t.apply(cmd.Set({"train.steps": 40}))
    assert not t.done
    t.run()
    assert t.step_count == 40 and t.status == FINISHED


def test_pause_step_once_and_resume():
    t = Trainer(MOONS)
    t.apply(cmd.Pause())
    assert not t.tick() and t.step_count == 0
    t.apply(cmd.StepOnce())
    t.apply(cmd.StepOnce())
    assert t.tick() and t.tick() and not t.tick()
    assert t.step_count == 2
    t.apply(cmd.Resume())
    assert t.tick() and t.step_count == 3


def test_live_learning_rate_change_keeps_optimizer_state_and_step():
    t = Trainer(MOONS)
    t.run(steps=10)
    optimizer = t.optimizer
    t.apply(cmd.Set({"train.optimizer.lr": 0.5}))
    assert t.optimizer is optimizer and t.step_count == 10
    t.step()
    assert optimizer.lr == 0.5 and t.config.train.optimizer.lr == 0.5


def test_live_batch_size_dropout_and_activation_changes():
    t = Trainer(MOONS)
    t.run(steps=7)  # one whole epoch of 200 in batches of 32
    t.apply(cmd.Set({"train.batch_size": 64, "model.dropout": 0.0, "model.activation": "tanh"}))
    seen = t.examples_seen
    t.step()
    assert t.examples_seen - seen == 64 and t.step_count == 8
    assert t.net.dropout == [0.0, 0.0]
    assert [a.name for a in t.net.activations] == ["tanh", "tanh"]


def test_changing_optimizer_starts_it_fresh_without_resetting_the_run():
    t = Trainer(MOONS)
    t.run(steps=5)
    before = t.optimizer
    t.apply(cmd.Set({"train.optimizer.name": "sgd", "train.optimizer.momentum": 0.9}))
    assert t.optimizer is not before and t.optimizer.name == "sgd"
    assert t.optimizer.momentum == 0.9 and t.step_count == 5


def test_structural_change_reinitialises_with_the_same_seed():
    t = Trainer(MOONS)
    t.run(steps=5)
    t.apply(cmd.Set({"model.hidden": (4,)}))
    assert t.step_count == 0 and t.net.sizes == [2, 4, 2]
    fresh = Trainer(with_changes(MOONS, {"model.hidden": (4,)}))
    for p, q in zip(t.net.params, fresh.net.params, strict=True):
        np.testing.assert_array_equal(p, q)


def test_reset_replays_the_run_and_reseed_changes_it():
    t = Trainer(MOONS)
    t.run(steps=40)
    first = records(t)
    t.apply(cmd.Reset())
    assert t.step_count == 0
    t.run(steps=40)
    assert records(t) == first
    t.apply(cmd.Reseed())
    assert t.config.seed == MOONS.seed + 1
    t.run(steps=40)
    assert records(t) != first


def test_reinitialize_keeps_counting():
    t = Trainer(MOONS)
    initial = t.net.get_state()
    t.run(steps=30)
    t.apply(cmd.Reinitialize())
    assert t.step_count == 30
    for p, q in zip(t.net.params, initial, strict=True):
        np.testing.assert_array_equal(p, q)


def test_divergence_stops_the_run_and_names_the_step():
    config = with_changes(MOONS, {
        "model.init": Init("normal", std=30.0),
        "model.hidden": (256, 256, 256),
        "model.dropout": 0.0,
        "train.optimizer": OptimizerConfig("sgd", lr=10.0),
        "model.dtype": "float32",
    })
    t = Trainer(config)
    t.run()
    assert t.status == DIVERGED
    assert t.step_count < 20
    assert f"step {t.step_count}" in t.stop_reason
    assert t.history.latest.step == t.step_count


def test_early_stopping_restores_the_best_weights():
    config = Config(
        data=DataConfig(name="moons", n_train=60, n_val=500, noise=0.35),
        model=ModelConfig(hidden=(128, 128), activation="relu"),
        train=TrainConfig(steps=3000, batch_size=0, optimizer=OptimizerConfig("adam", lr=0.01),
                          log_every=10, early_stopping=EarlyStoppingConfig(patience=100)),
    )
    t = Trainer(config)
    last = t.run()
    assert t.status == EARLY_STOPPED and t.step_count < 3000
    best = min(r.val_loss for r in t.history.records[:-1])
    assert last.val_loss == pytest.approx(best)
    assert "restored" in t.stop_reason


def test_solver_interpolates_once_features_outnumber_examples():
    def fit(width: int):
        config = Config(
            data=DataConfig(name="random_features", n_train=50, n_val=500),
            model=ModelConfig(hidden=(width,), activation="relu", init=Init("normal", std=0.2),
                              frozen=(0,), loss="mse"),
            train=TrainConfig(steps=1, solver=SolverConfig(ridge=0.0)),
        )
        return Trainer(config).run()

    assert fit(200).train_loss < 1e-20
    assert fit(10).train_loss > 0.01


def test_frozen_layers_do_not_move():
    config = with_changes(MOONS, {"model.frozen": (0,), "train.optimizer.name": "adamw"})
    t = Trainer(config)
    w0 = t.net.params[0].copy()
    t.run(steps=50)
    np.testing.assert_array_equal(t.net.params[0], w0)
    assert t.history.latest.grad_norm[0] == 0.0


def test_fresh_batches_and_input_noise_are_seeded():
    config = with_changes(MOONS, {"data.fresh_batches": True, "train.input_noise": 0.1})
    a, b = Trainer(config), Trainer(config)
    a.run(steps=60)
    b.run(steps=60)
    assert records(a) == records(b)
    plain = Trainer(MOONS)
    plain.run(steps=60)
    assert records(a) != records(plain)


def _trained(config: Config, steps: int = 40) -> Trainer:
    t = Trainer(config)
    t.run(steps=steps)
    return t


def _same_weights(a: Trainer, b: Trainer) -> bool:
    return all(np.array_equal(p, q) for p, q in zip(a.net.params, b.net.params, strict=True))


#: Full batch, no dropout, tanh (no gradient entry exactly 0, so Adam with eps 0 is defined).
SMOOTH = with_changes(MOONS, {"model.activation": "tanh", "model.dropout": 0.0,
                              "train.batch_size": 0, "train.l2": 1e-3})


def test_loss_scale_scales_the_gradient_the_optimizer_sees_exactly():
    """A power of two scales every float exactly, so these equalities are bit for bit."""
    sgd = with_changes(SMOOTH, {"train.optimizer": OptimizerConfig("sgd", lr=0.05)})
    scaled = _trained(with_changes(sgd, {"train.loss_scale": 8.0}))
    faster = _trained(with_changes(sgd, {"train.optimizer.lr": 0.4}))
    assert _same_weights(scaled, faster)  # SGD on 8 * objective is SGD with 8 * lr
    first_scaled, first = scaled.history.records[0], faster.history.records[0]
    assert first_scaled.train_loss == first.train_loss  # the records keep the loss unscaled
    assert first_scaled.grad_norm == tuple(8.0 * g for g in first.grad_norm)
    assert not _same_weights(faster, _trained(sgd))


@pytest.mark.parametrize("name", ["adam", "adamw"])
def test_adam_steps_do_not_see_the_loss_scale_but_adams_weight_decay_does(name):
    """Adam divides m by sqrt(v): a scale s cancels (exactly for s = 2^k and eps = 0).
    AdamW's decay is decoupled from the gradient, so it cancels too; Adam's weight_decay
    is added to the scaled gradient, so it weighs 1/s as much."""
    adam = with_changes(SMOOTH, {"train.optimizer": OptimizerConfig(name, lr=0.01, eps=0.0,
                                                                    weight_decay=0.0)})
    for decay in (0.0, 0.5):
        config = with_changes(adam, {"train.optimizer.weight_decay": decay})
        scaled = _trained(with_changes(config, {"train.loss_scale": 8.0}))
        assert _same_weights(scaled, _trained(config)) == (name == "adamw" or decay == 0.0)


def test_history_stays_bounded_and_spans_the_run():
    t = Trainer(with_changes(
        MOONS, {"train.log_every": 1, "model.hidden": (4,), "train.steps": 1000}
    ))
    t.history.capacity = 64
    t.run(steps=1000)
    steps = [r.step for r in t.history.records]
    assert len(steps) <= 64
    assert steps[0] == 0 and steps[-1] >= 1000 - t.history.stride
    assert t.history.latest.step == 1000


def test_json_records_carry_diagnoses_and_turn_nan_into_null():
    t = Trainer(with_changes(MOONS, {"model.init": Init("constant", value=0.5)}))
    row = t.history.latest.to_json()
    assert "symmetric_units" in row["diagnoses"]
    nan_row = replace(t.history.latest, val_loss=float("nan"), grad_norm=(float("inf"), 1.0))
    assert nan_row.to_json()["val_loss"] is None
    assert nan_row.to_json()["grad_norm"] == [None, 1.0]
    json.dumps(row)


def test_json_records_hold_the_required_fields():
    t = Trainer(MOONS)
    row = t.run(steps=20).to_json()
    for key in ("run", "step", "epoch", "train_loss", "val_loss", "train_acc", "val_acc", "lr",
                "grad_norm", "dead_frac", "update_ratio", "act_mean", "act_std", "saturation"):
        assert key in row
    assert row["run"] == "base" and isinstance(row["grad_norm"], list)
