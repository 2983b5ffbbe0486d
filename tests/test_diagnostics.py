"""Each diagnosis fires on the symptom it names, once, and a healthy run has none."""

from __future__ import annotations

from dataclasses import replace

from nnterm.engine.nn.initializers import Init
from nnterm.engine.training.config import (
    Config,
    DataConfig,
    ModelConfig,
    OptimizerConfig,
    TrainConfig,
)
from nnterm.engine.training.diagnostics import DiagnosisWatcher
from nnterm.engine.training.trainer import Trainer

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


def test_a_linear_model_underfits_moons_with_noise():
    config = replace(changed(hidden=()), data=DataConfig(name="xor", n_train=400, n_val=400))
    assert "underfitting" in diagnoses(config)


def test_rising_loss_is_reported_once():
    trainer = Trainer(HEALTHY)
    first = trainer.history.latest
    watcher = DiagnosisWatcher()
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
    watcher = DiagnosisWatcher()
    watcher.watch(first, ["relu", "relu"])
    exploded = replace(first, step=300, train_loss=first.train_loss * 10,
                       val_loss=first.train_loss * 10)
    assert [d.name for d in watcher.watch(exploded, ["relu", "relu"])] == ["loss_rising"]
