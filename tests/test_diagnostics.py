"""Each diagnosis fires on the symptom it names, once; its thresholds sit where the rules
say (a record just past one fires, one just short does not); a healthy run, or one that
only passes through a symptom, has none; and a root cause folds its consequences.

The thresholds are written here as numbers, not imported: moving one in the rules fails
a test."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from helpers import record

from nnterm.engine.nn.initializers import Init
from nnterm.engine.training.causes import EXPLAINS, folded
from nnterm.engine.training.config import (
    Config,
    DataConfig,
    ModelConfig,
    OptimizerConfig,
    TrainConfig,
)
from nnterm.engine.training.diagnostics import DIAGNOSES, DiagnosisWatcher
from nnterm.engine.training.telemetry import unit_spreads
from nnterm.engine.training.trainer import Trainer

CHANCE = math.log(2)

HEALTHY = Config(
    data=DataConfig(name="moons", n_train=400, n_val=400, noise=0.1),
    model=ModelConfig(hidden=(32, 32), activation="relu", init="he_normal"),
    train=TrainConfig(steps=1500, batch_size=32, optimizer=OptimizerConfig("adam", lr=0.01),
                      log_every=50),
)


# ----------------------------------------------------------------------------- real runs
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


def test_negative_bias_kills_relus_and_that_explains_the_rest():
    trainer = Trainer(changed(init=Init("he_normal", bias=-3.0), steps=300))
    trainer.run()
    assert folded(trainer.diagnoses) == ("dead_relu (→ vanishing_gradients, flat_loss, "
                                         "underfitting)",)
    flat = next(d for d in trainer.diagnoses if d.name == "flat_loss")
    assert flat.cause == "dead_relu" and "ReLUs in hidden layer" in flat.message


def test_deep_sigmoid_gradients_vanish_once_it_lasts_100_steps():
    found = diagnoses(changed(hidden=(32,) * 10, activation="sigmoid", init="xavier_normal",
                              steps=100))
    assert found.get("vanishing_gradients") == 100


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


def test_a_layer_of_one_unit_is_not_symmetric():
    """One unit has no other to be a copy of: its spread is undefined, not 0."""
    w1, b1 = np.ones((2, 1)), np.zeros(1)
    w2, b2 = np.ones((1, 3)), np.zeros(3)
    assert math.isnan(unit_spreads([w1, b1, w2, b2])[0])
    assert unit_spreads([np.ones((2, 2)), np.zeros(2), w2[:, :2].T, b2[:2]]) == (0.0,)


# ----------------------------------------------------------------------------- feeding
def watch(rows: list[dict], every: int = 10, acts: tuple[str, ...] = ("relu",) * 2,
          chance: float = CHANCE) -> DiagnosisWatcher:
    """A watcher fed one record per row, ``every`` steps apart. A row gives StepRecord
    fields; the rest default to a healthy, learning run: train and val loss half of
    chance, gradient norms 0.1 in each of three layers, no unit dead, units distinct."""
    watcher = DiagnosisWatcher(chance)
    for i, row in enumerate(rows):
        values = {"train_loss": chance / 2, "val_loss": chance / 2,
                  "grad_norm": (0.1, 0.1, 0.1), "dead_frac": (0.0,) * len(acts),
                  "unit_spread": (0.3,) * len(acts)} | row
        values.setdefault("batch_loss", values["train_loss"])
        watcher.watch(record(every * i, **values), list(acts))
    return watcher


def fired(watcher: DiagnosisWatcher) -> dict[str, int]:
    return {d.name: d.step for d in watcher.seen}


def steady(n: int, **row) -> list[dict]:
    """``n`` equal rows."""
    return [dict(row) for _ in range(n)]


# ----------------------------------------------------------------------------- thresholds
@pytest.mark.parametrize(("factor", "fires"), [(1.55, True), (1.45, False)])
def test_loss_rising_is_half_again_above_the_lowest_and_the_start(factor, fires):
    rows = [{"train_loss": 1.0}, {"train_loss": factor}]
    assert ("loss_rising" in fired(watch(rows))) == fires


def test_a_loss_that_rises_but_stays_below_its_start_is_not_rising():
    rows = [{"train_loss": 1.0}, {"train_loss": 0.2}, {"train_loss": 0.35}]
    assert "loss_rising" not in fired(watch(rows))


@pytest.mark.parametrize(("spread", "fires"), [(0.9e-12, True), (1.1e-12, False)])
def test_symmetric_units_differ_by_less_than_1e_12(spread, fires):
    rows = [{"unit_spread": (0.3, spread)}]
    assert fired(watch(rows)) == ({"symmetric_units": 0} if fires else {})


def test_a_dead_layer_is_named_after_100_steps_of_it():
    rows = steady(21, train_loss=CHANCE, dead_frac=(0.0, 1.0))
    assert fired(watch(rows[:20], every=5)) == {}  # steps 0-95
    assert fired(watch(rows, every=5)) == {"dead_relu": 100}


@pytest.mark.parametrize(("dead", "fires"), [(0.75, True), (0.7, False)])
def test_dead_relu_is_three_quarters_of_a_layer(dead, fires):
    rows = steady(11, train_loss=CHANCE, dead_frac=(0.0, dead))
    assert ("dead_relu" in fired(watch(rows))) == fires


@pytest.mark.parametrize(("loss", "fires"), [(0.81, True), (0.79, False)])
def test_dead_relu_needs_a_high_loss_80_percent_of_chance(loss, fires):
    rows = steady(11, train_loss=loss * CHANCE, dead_frac=(0.0, 1.0))
    assert ("dead_relu" in fired(watch(rows))) == fires


def test_dead_relu_counts_relu_layers_only():
    rows = steady(11, train_loss=CHANCE, dead_frac=(1.0, 1.0))
    assert fired(watch(rows, acts=("gelu", "leaky_relu"))) == {}


@pytest.mark.parametrize(("ratio", "fires"), [(0.9e-3, True), (1.1e-3, False)])
def test_vanishing_gradients_below_a_thousandth_of_the_last_layer(ratio, fires):
    rows = steady(11, train_loss=CHANCE, grad_norm=(10 * ratio, 5.0, 10.0))  # (not tiny)
    assert fired(watch(rows)) == ({"vanishing_gradients": 100} if fires else {})


def test_a_gradient_that_vanishes_only_at_first_is_not_named():
    """A run that grows out of a tiny first gradient within 100 steps (GELU from a
    negative bias, under Adam) passes through the state: no diagnosis."""
    rows = steady(10, train_loss=CHANCE, grad_norm=(1e-6, 0.5, 1.0)) + steady(10)
    assert fired(watch(rows)) == {}


@pytest.mark.parametrize(("loss", "fires"), [(0.81, True), (0.79, False)])
def test_vanishing_gradients_need_a_high_loss(loss, fires):
    rows = steady(11, train_loss=loss * CHANCE, grad_norm=(1e-6, 0.5, 1.0))
    assert ("vanishing_gradients" in fired(watch(rows))) == fires


@pytest.mark.parametrize(("grad", "fraction", "fires"),
                         [(0.9e-3, 0.96, True), (1.1e-3, 0.96, False), (0.9e-3, 0.94, False)])
def test_flat_loss_is_within_5_percent_with_a_gradient_under_1e_3(grad, fraction, fires):
    rows = [{"train_loss": CHANCE, "grad_norm": (grad, 1.0, 1.0)}] + steady(
        10, train_loss=fraction * CHANCE, grad_norm=(grad, 1.0, 1.0))
    assert ("flat_loss" in fired(watch(rows, acts=("tanh",) * 2))) == fires


def test_flat_loss_waits_100_steps():
    rows = steady(11, train_loss=CHANCE, grad_norm=(1e-5, 1.0, 1.0))
    assert fired(watch(rows, acts=("tanh",) * 2))["flat_loss"] == 100
    assert "flat_loss" not in fired(watch(rows[:10], acts=("tanh",) * 2))


@pytest.mark.parametrize(("first_grad", "flat"), [(1e-5, True), (0.1, False)])
def test_a_flat_loss_needs_a_gradient_tiny_from_step_0(first_grad, flat):
    """A loss that never moved with a gradient tiny from the start is flat_loss (init too
    small); a gradient that faded as a small model converged is not."""
    rows = [{"train_loss": CHANCE, "val_loss": CHANCE, "grad_norm": (first_grad,)}] + steady(
        6, train_loss=CHANCE, val_loss=CHANCE, grad_norm=(1e-6,))
    found = fired(watch(rows, every=50, acts=()))
    assert ("flat_loss" in found) == flat and "underfitting" in found


def overfit_rows(train: float, val: float, n: int = 21) -> list[dict]:
    """A start at chance, then ``train`` and ``val`` from step 10 on."""
    return [{"train_loss": CHANCE, "val_loss": CHANCE}] + steady(n - 1, train_loss=train,
                                                                  val_loss=val)


def test_overfitting_from_step_100_held_100_steps():
    assert fired(watch(overfit_rows(0.01, 0.5)))["overfitting"] == 200
    assert "overfitting" not in fired(watch(overfit_rows(0.01, 0.5, n=20)))


@pytest.mark.parametrize(("ratio", "fires"), [(10.5, True), (9.5, False)])
def test_overfitting_is_val_ten_times_train(ratio, fires):
    rows = overfit_rows(0.03, 0.03 * ratio)  # gap 0.29-0.26 > a quarter of 0.693
    assert ("overfitting" in fired(watch(rows))) == fires


@pytest.mark.parametrize(("rise", "fires"), [(1.8, True), (1.7, False)])
def test_overfitting_is_a_val_loss_climbed_to_1_75_times_its_lowest(rise, fires):
    """The U of memorising, below the 10x ratio: val falls to 0.2, then climbs."""
    rows = [{"train_loss": CHANCE, "val_loss": CHANCE}] + steady(9, train_loss=0.1, val_loss=0.2)
    rows += steady(11, train_loss=0.1, val_loss=0.2 * rise)  # 4x the train loss
    assert ("overfitting" in fired(watch(rows))) == fires


@pytest.mark.parametrize(("gap", "fires"), [(0.26, True), (0.24, False)])
def test_overfitting_needs_a_gap_of_a_quarter_of_the_start(gap, fires):
    rows = overfit_rows(0.001, 0.001 + gap * CHANCE)
    assert ("overfitting" in fired(watch(rows))) == fires


@pytest.mark.parametrize(("train", "fires"), [(0.79, True), (0.81, False)])
def test_overfitting_needs_a_low_train_loss_under_80_percent_of_chance(train, fires):
    """The glossary's low/high row: a run whose train loss is high (one that exploded,
    its val loss higher still) is not memorising."""
    rows = overfit_rows(train * CHANCE, 100 * CHANCE)
    assert ("overfitting" in fired(watch(rows))) == fires


def test_one_spike_of_the_val_loss_is_not_overfitting():
    rows = overfit_rows(0.01, 0.01, n=25)
    rows[15] = {"train_loss": 0.01, "val_loss": 0.6}
    assert fired(watch(rows)) == {}


def test_underfitting_from_step_200():
    stuck = 0.95 * CHANCE
    watcher = watch([{"train_loss": 1.13 * CHANCE, "val_loss": 1.13 * CHANCE}]
                    + steady(20, train_loss=stuck, val_loss=stuck, grad_norm=(1e-9,)),
                    acts=())
    assert fired(watcher) == {"underfitting": 200}
    assert watcher.fit_diagnosis == "underfitting"


@pytest.mark.parametrize(("loss", "fires"), [(0.81, True), (0.79, False)])
def test_underfitting_is_80_percent_of_chance(loss, fires):
    rows = steady(21, train_loss=loss * CHANCE, val_loss=loss * CHANCE)
    assert ("underfitting" in fired(watch(rows, acts=()))) == fires


@pytest.mark.parametrize(("drop", "fires"), [(0.04, True), (0.06, False)])
def test_underfitting_is_a_plateau_within_5_percent_over_100_steps(drop, fires):
    """A loss that still falls by ``drop`` every 100 steps is learning, not stalled."""
    rows = [{"train_loss": CHANCE * (1 - drop) ** (i / 10), "val_loss": CHANCE}
            for i in range(31)]
    assert ("underfitting" in fired(watch(rows, acts=()))) == fires


def test_the_plateau_is_measured_over_the_last_100_steps():
    """Falling fast to step 200, flat after: stalled from step 300, not before."""
    rows = [{"train_loss": CHANCE * (1 + (20 - i) / 10), "val_loss": CHANCE}
            for i in range(21)]
    rows += steady(15, train_loss=CHANCE, val_loss=CHANCE)
    assert fired(watch(rows, acts=()))["underfitting"] == 300


@pytest.mark.parametrize(("train", "val"), [
    (0.5 * CHANCE, 0.5 * CHANCE),  # a plateau at a low loss: a fit, not an underfit
    (0.9 * CHANCE, 0.5 * CHANCE),  # val low: not the high/high row
])
def test_no_underfitting_once_low(train, val):
    assert "underfitting" not in fired(watch(steady(21, train_loss=train, val_loss=val),
                                             acts=()))


def test_a_spike_back_to_chance_is_not_a_plateau():
    """A healthy run whose loss jumps (a noisy SGD step) to chance at step 200: the loss
    rose, it did not stall, so no underfitting (loss_rising names it)."""
    low, spike = 0.05 * CHANCE, 1.2 * CHANCE
    rows = [{"train_loss": CHANCE}, {"train_loss": 0.3}, {"train_loss": low},
            {"train_loss": low}, {"train_loss": spike}]
    found = fired(watch(rows, every=50, acts=()))
    assert "underfitting" not in found and "loss_rising" in found


def test_an_exploding_loss_is_rising_not_underfitting():
    rows = [{"train_loss": CHANCE}] + steady(30, train_loss=10 * CHANCE, val_loss=10 * CHANCE)
    assert fired(watch(rows, acts=())) == {"loss_rising": 10}


def test_each_diagnosis_is_reported_once():
    watcher = DiagnosisWatcher(CHANCE)
    news = [watcher.watch(record(10 * i, train_loss=CHANCE * (1, 2, 3, 4)[i],
                                 val_loss=CHANCE, batch_loss=CHANCE, grad_norm=(0.1,)), [])
            for i in range(4)]
    assert [[d.name for d in new] for new in news] == [[], ["loss_rising"], [], []]


# ----------------------------------------------------------------------------- the fit table
def test_fit_diagnosis_follows_the_table_rows():
    rows = []
    watcher = DiagnosisWatcher(CHANCE)
    for step, train, val in [(0, CHANCE, CHANCE), (50, 0.2, 0.25), (100, 0.02, 0.3),
                             (150, 0.01, 0.35), (200, 0.01, 0.2), (250, 0.01, 0.05)]:
        watcher.watch(record(step, train_loss=train, val_loss=val, batch_loss=train,
                             grad_norm=(0.1,)), [])
        rows.append(watcher.fit_diagnosis)
    # not yet (high), good (low/low), overfitting (low/high for 100 steps) and, once seen,
    # it stays lit
    assert rows == ["", "good", "good", "good", "overfitting", "overfitting"]


def test_a_nan_loss_is_not_a_good_fit():
    watcher = watch([{"train_loss": CHANCE}, {"train_loss": 0.1, "val_loss": 0.1},
                     {"train_loss": math.nan, "val_loss": math.nan}], acts=())
    assert "nan" in fired(watcher) and watcher.fit_diagnosis == ""


# ----------------------------------------------------------------------------- root causes
def test_the_diagnoses_are_in_causal_order():
    """A cause comes before what it explains, so those seen at one record are reported
    root first."""
    for cause, consequences in EXPLAINS.items():
        assert all(DIAGNOSES.index(cause) < DIAGNOSES.index(c) for c in consequences), cause


def test_a_layer_dead_from_the_start_explains_the_flat_loss_and_the_vanishing_gradient():
    rows = steady(21, train_loss=CHANCE, val_loss=CHANCE, dead_frac=(0.0, 1.0),
                  grad_norm=(0.0, 0.0, 0.5))
    watcher = watch(rows)
    assert folded(watcher.seen) == ("dead_relu (→ vanishing_gradients, flat_loss, "
                                    "underfitting)",)
    root, *consequences = watcher.seen
    assert root.cause == "" and root.message.startswith("100% of the ReLUs in hidden layer 2")
    assert all(d.cause == "dead_relu" and d.message.endswith(
        "because 100% of the ReLUs in hidden layer 2 are dead (dead_relu)")
        for d in consequences)


def test_a_layer_that_dies_later_does_not_explain_a_loss_flat_from_the_start():
    """Too small an init: the loss is flat with a tiny gradient from step 0; the last
    layer dies at step 50. Each is a root cause; the vanishing gradient that came with
    the dead layer is folded under it."""
    tiny = {"train_loss": CHANCE, "val_loss": CHANCE, "grad_norm": (1e-5, 1e-4, 1e-2)}
    rows = steady(5, **tiny) + steady(25, **tiny | {"dead_frac": (0.0, 1.0),
                                                    "grad_norm": (1e-7, 1e-6, 1e-2)})
    assert folded(watch(rows).seen) == ("flat_loss (→ underfitting)",
                                        "dead_relu (→ vanishing_gradients)")


def test_an_exploding_loss_explains_the_nan_and_the_dead_layer():
    rows = [{"train_loss": CHANCE}] + steady(12, train_loss=100.0, dead_frac=(0.0, 0.9)) + [
        {"train_loss": math.nan}]
    watcher = watch(rows)
    assert folded(watcher.seen) == ("loss_rising (→ dead_relu, nan)",)
    assert watcher.seen[-1].message.startswith("the loss is NaN/Inf at step 130, because the "
                                               "loss rose to 100")


def test_symptoms_with_no_link_stay_apart():
    rows = overfit_rows(0.01, 0.5)
    for row in rows:
        row["unit_spread"] = (0.3, 0.0)
    assert folded(watch(rows).seen) == ("symmetric_units", "overfitting")
