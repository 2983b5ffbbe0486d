"""Each diagnosis fires on the symptom it names, once, and a healthy run has none."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from helpers import record

from nnterm.engine.nn.initializers import Init
from nnterm.engine.training.config import (
    Config,
    DataConfig,
    ModelConfig,
    OptimizerConfig,
    TrainConfig,
)
from nnterm.engine.training.diagnostics import HIGH_FRACTION, DiagnosisWatcher
from nnterm.engine.training.trainer import Trainer

CHANCE = math.log(2)

HEALTHY = Config(
    data=DataConfig(name="moons", n_train=400, n_val=400, noise=0.1),
    model=ModelConfig(hidden=(32, 32), activation="relu", init="he_normal"),
    train=TrainConfig(steps=1500, batch_size=32, optimizer=OptimizerConfig("adam", lr=0.01),
                      log_every=50),
)


def diagnoses(config: Config) -> dict[str, int]:
    trainer = Trainer(config)
    trainer.run()
    return {d.name: d.step for d in trainer.diagnoses}


def changed(**model_or_train) -> Config:
    model = {k: v for k, v in model_or_train.items() if k in ModelConfig.__dataclass_fields__}
    train = {k: v for k, v in model_or_train.items() if k in TrainConfig.__dataclass_fields__}
    return replace(HEALTHY, model=replace(HEALTHY.model, **model),
                   train=replace(HEALTHY.train, **train))


def test_a_healthy_run_has_no_diagnosis():
    assert diagnoses(HEALTHY) == {}


def test_nan_names_the_step():
    found = diagnoses(changed(init=Init("normal", std=50.0), hidden=(256, 256, 256),
                              optimizer=OptimizerConfig("sgd", lr=10.0)))
    assert "nan" in found and found["nan"] < 20


def test_constant_init_leaves_units_identical():
    found = diagnoses(changed(init=Init("constant", value=0.5),
                              optimizer=OptimizerConfig("sgd", lr=0.5)))
    assert found.get("symmetric_units") == 0


def test_negative_bias_kills_relus():
    found = diagnoses(changed(init=Init("he_normal", bias=-3.0)))
    assert "dead_relu" in found


def test_deep_sigmoid_gradients_vanish():
    found = diagnoses(changed(hidden=(32,) * 10, activation="sigmoid", init="xavier_normal",
                              steps=100))
    assert found.get("vanishing_gradients") == 0


def test_tiny_init_gives_a_flat_loss():
    found = diagnoses(changed(hidden=(64, 64, 64, 64), activation="relu",
                              init=Init("normal", std=0.01),
                              optimizer=OptimizerConfig("sgd", lr=0.1), steps=300))
    assert "flat_loss" in found


def test_small_data_big_net_overfits():
    config = changed(hidden=(256, 256), batch_size=0, steps=1500,
                     optimizer=OptimizerConfig("adam", lr=0.01))
    config = replace(config, data=DataConfig(name="moons", n_train=30, n_val=500, noise=0.3))
    assert "overfitting" in diagnoses(config)


def test_a_linear_model_underfits_xor():
    """No line cuts XOR: a linear model converges (its gradient vanishes) near chance."""
    config = replace(changed(hidden=()), data=DataConfig(name="xor", n_train=400, n_val=400))
    assert "underfitting" in diagnoses(config)


def watch_losses(losses: list[tuple[float, float]], grad: float = 0.1) -> DiagnosisWatcher:
    """A watcher (two classes, chance ln 2) fed records of (train, val) loss every 50
    steps; the first layer's gradient norm is 0.1 at step 0, ``grad`` after."""
    watcher = DiagnosisWatcher(CHANCE)
    for i, (train, val) in enumerate(losses):
        watcher.watch(record(50 * i, train_loss=train, val_loss=val, batch_loss=train,
                             grad_norm=(grad if i else 0.1,)), [])
    return watcher


def fired(watcher: DiagnosisWatcher) -> dict[str, int]:
    return {d.name: d.step for d in watcher.seen}


def test_a_converged_model_stuck_near_chance_underfits_from_step_200():
    """A start above chance (a large init), a fall to 95% of chance, then nothing: the
    gradient has vanished because the model is at its best, and its best is poor."""
    stuck = 0.95 * CHANCE
    watcher = watch_losses([(1.13 * CHANCE, 1.13 * CHANCE)] + [(stuck, stuck)] * 8, grad=1e-9)
    assert fired(watcher) == {"underfitting": 200}
    assert watcher.fit_diagnosis == "underfitting"


@pytest.mark.parametrize(("train", "val", "drop"), [
    (0.9 * CHANCE, 0.9 * CHANCE, 0.06),  # high, but still falling 6% every 50 steps
    (0.5 * CHANCE, 0.5 * CHANCE, 0.0),  # a plateau at a low loss: a fit, not an underfit
    (0.9 * CHANCE, 0.5 * CHANCE, 0.0),  # val low: not the high/high row
])
def test_no_underfitting_while_learning_or_once_low(train, val, drop):
    losses = [(train * (1 - drop) ** i, val * (1 - drop) ** i) for i in range(9)]
    assert "underfitting" not in fired(watch_losses(losses))


def test_a_spike_back_to_chance_is_not_a_plateau():
    """A healthy run whose loss jumps (a noisy SGD step) to chance at step 200: the loss
    rose, it did not stall, so no underfitting (loss_rising names it)."""
    low = 0.05 * CHANCE
    spike = 1.2 * CHANCE
    watcher = watch_losses([(CHANCE, CHANCE), (0.3, 0.3), (low, low), (low, low), (spike, spike)])
    assert "underfitting" not in fired(watcher) and "loss_rising" in fired(watcher)


def test_high_means_a_fraction_of_chance():
    just_low = (HIGH_FRACTION - 0.01) * CHANCE
    just_high = (HIGH_FRACTION + 0.01) * CHANCE
    assert "underfitting" not in fired(watch_losses([(just_low, just_low)] * 6))
    assert "underfitting" in fired(watch_losses([(just_high, just_high)] * 6))


def test_fit_diagnosis_follows_the_table_rows():
    watcher = DiagnosisWatcher(CHANCE)
    rows = []
    for step, train, val in [(0, CHANCE, CHANCE), (50, 0.2, 0.25), (100, 0.02, 0.3),
                             (150, 0.01, 0.35), (200, 0.01, 0.2)]:
        watcher.watch(record(step, train_loss=train, val_loss=val, batch_loss=train,
                             grad_norm=(0.1,)), [])
        rows.append(watcher.fit_diagnosis)
    # not yet (high), good (low/low), overfitting (low/high) and, once seen, it stays lit
    assert rows == ["", "good", "overfitting", "overfitting", "overfitting"]


def test_a_nan_loss_is_not_a_good_fit():
    watcher = watch_losses([(CHANCE, CHANCE), (0.1, 0.1), (math.nan, math.nan)])
    assert "nan" in fired(watcher) and watcher.fit_diagnosis == ""


@pytest.mark.parametrize(("first_grad", "flat"), [(1e-5, True), (0.1, False)])
def test_a_flat_loss_needs_a_gradient_tiny_from_step_0(first_grad, flat):
    """A loss that never moved with a gradient tiny from the start is flat_loss (init too
    small); a gradient that faded as a small model converged is not."""
    watcher = DiagnosisWatcher(CHANCE)
    for step in range(0, 301, 50):
        watcher.watch(record(step, train_loss=CHANCE, val_loss=CHANCE, batch_loss=CHANCE,
                             grad_norm=(first_grad if step == 0 else 1e-6,)), [])
    assert ("flat_loss" in fired(watcher)) == flat
    assert "underfitting" in fired(watcher)


def test_rising_loss_is_reported_once():
    trainer = Trainer(HEALTHY)
    first = trainer.history.latest
    watcher = DiagnosisWatcher(CHANCE)
    acts = ["relu", "relu"]
    watcher.watch(first, acts)
    quarter, double = first.train_loss / 4, first.train_loss * 2
    low = replace(first, step=100, train_loss=quarter, val_loss=quarter)
    assert watcher.watch(low, acts) == []
    high = replace(first, step=150, train_loss=double, val_loss=double)
    assert [d.name for d in watcher.watch(high, acts)] == ["loss_rising"]
    assert watcher.watch(replace(high, step=160), acts) == []


def test_an_exploding_loss_is_rising_not_underfitting():
    first = Trainer(HEALTHY).history.latest
    watcher = DiagnosisWatcher(CHANCE)
    watcher.watch(first, ["relu", "relu"])
    exploded = replace(first, step=300, train_loss=first.train_loss * 10,
                       val_loss=first.train_loss * 10)
    assert [d.name for d in watcher.watch(exploded, ["relu", "relu"])] == ["loss_rising"]
