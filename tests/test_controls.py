"""The single-key controls: ladders, cycles and the Config edits they make."""

from __future__ import annotations

import pytest

from nnterm.app import controls
from nnterm.engine.nn.initializers import Init
from nnterm.engine.training.config import Config, with_changes

BASE = Config()


def test_learning_rate_ladder_is_one_three_ten():
    assert controls.LEARNING_RATES[:4] == pytest.approx((1e-5, 3e-5, 1e-4, 3e-4))
    assert controls.LEARNING_RATES[-3:] == (1.0, 3.0, 10.0)


@pytest.mark.parametrize(
    ("lr", "direction", "expected"),
    [(1e-3, 1, 3e-3), (1e-3, -1, 3e-4), (0.05, 1, 0.1), (0.05, -1, 0.03), (10.0, 1, 10.0),
     (1e-5, -1, 1e-5), (2e-6, 1, 1e-5)],
)
def test_learning_rate_steps(lr, direction, expected):
    config = with_changes(BASE, {"train.optimizer.lr": lr})
    changes = controls.learning_rate(config, direction)
    assert changes["train.optimizer.lr"] == pytest.approx(expected)


def test_batch_size_ladder_ends_in_full_batch():
    big = with_changes(BASE, {"data.n_train": 1000})
    config = with_changes(big, {"train.batch_size": 256})
    assert controls.batch_size(config, 1) == {"train.batch_size": 0}
    full = with_changes(big, {"train.batch_size": 0})
    assert controls.batch_size(full, 1) == {"train.batch_size": 0}
    assert controls.batch_size(full, -1) == {"train.batch_size": 256}
    odd = with_changes(big, {"train.batch_size": 100})
    assert controls.batch_size(odd, -1) == {"train.batch_size": 64}


def test_no_batch_rung_is_as_big_as_the_training_set():
    four = with_changes(BASE, {"data.n_train": 4, "train.batch_size": 2})
    assert controls.batch_size(four, 1) == {"train.batch_size": 0}  # 4 would be full batch
    full = with_changes(four, {"train.batch_size": 0})
    assert controls.batch_size(full, -1) == {"train.batch_size": 2}
    too_big = with_changes(four, {"train.batch_size": 256})  # (from a saved preset)
    assert controls.batch_size(too_big, -1) == {"train.batch_size": 2}
    names = with_changes(BASE, {"data.name": "names", "data.n_train": 4,
                                "train.batch_size": 0})  # n_train is not the corpus's size
    assert controls.batch_size(names, -1) == {"train.batch_size": 256}


def test_optimizer_cycle_goes_through_momentum():
    names = []
    config = with_changes(BASE, {"train.optimizer.name": "sgd"})
    for _ in range(6):
        name, changes = controls.optimizer(config)
        names.append(name)
        config = with_changes(config, changes)
    assert names == ["momentum", "adam", "adamw", "rmsprop", "adagrad", "sgd"]
    assert config.train.optimizer.momentum == 0.0


def test_cycles_wrap_around():
    config = with_changes(BASE, {"model.activation": ("tanh", "relu")})
    assert controls.activation(config) == {"model.activation": "identity"}
    config = with_changes(BASE, {"model.init": Init("torch_default", bias=-1.0)})
    assert controls.init(config)["model.init"] == Init("zeros", bias=-1.0)
    zeros = with_changes(BASE, {"model.init": Init("zeros")})
    constant = controls.init(zeros)["model.init"]  # not zeros again under another name
    assert constant.scheme == "constant" and constant.value == controls.CONSTANT_INIT != 0
    config = with_changes(BASE, {"model.dropout": 0.5})
    assert controls.dropout(config) == {"model.dropout": 0.0}
    config = with_changes(BASE, {"train.optimizer.weight_decay": 1.0})
    assert controls.weight_decay(config) == {"train.optimizer.weight_decay": 0.0}
    assert controls.weight_decay(BASE) == {"train.optimizer.weight_decay": 1e-4}
    assert controls.speed(None) == 1.0 and controls.speed(100.0) is None


def test_speed_cycle_takes_the_lessons_own_pace_in_its_place():
    assert controls.speed(5.0, pace=60.0) == 20.0
    assert controls.speed(20.0, pace=60.0) == 60.0 and controls.speed(60.0, pace=60.0) == 100.0
    assert controls.speed(100.0, pace=60.0) is None
