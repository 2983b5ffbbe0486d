"""Image flips (``train.flips``): what a flip does to a picture, which data take them, and
that a Trainer flips its training batches only, keeping labels, the same for a seed."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import bars_class

from nnterm.engine.data import DATASET_FLIPS, DATASETS, FLIPS, check_flips, make_dataset
from nnterm.engine.data.flips import random_flips
from nnterm.engine.training import commands as cmd
from nnterm.engine.training import trainer as trainer_module
from nnterm.engine.training.config import (
    Config,
    DataConfig,
    ModelConfig,
    OptimizerConfig,
    TrainConfig,
    with_changes,
)
from nnterm.engine.training.trainer import Trainer

BARS = Config(
    data=DataConfig(name="bars", n_train=24, n_val=40, params={"size": 6}),
    model=ModelConfig(hidden=(16,), activation="relu"),
    train=TrainConfig(steps=40, batch_size=8, optimizer=OptimizerConfig("adam", lr=0.01),
                      flips="both", log_every=5),
    seed=2,
)


def images(n: int = 6, shape: tuple[int, int] = (2, 3)) -> np.ndarray:
    """``n`` distinct row-major pictures of ``shape`` (no picture is its own mirror)."""
    return np.arange(n * shape[0] * shape[1], dtype=np.float64).reshape(n, -1)


# ---------------------------------------------------------------------------- the flips
@pytest.mark.parametrize(("flips", "allowed"), [
    ("horizontal", ("same", "left_right")),
    ("vertical", ("same", "top_bottom")),
    ("both", ("same", "left_right", "top_bottom", "half_turn")),
])
def test_each_flip_mirrors_only_its_axes_and_all_of_them_happen(flips, allowed):
    X = images(400)
    out = random_flips(X, (2, 3), flips, np.random.default_rng(0))
    seen = set()
    for x, y in zip(X.reshape(-1, 2, 3), out.reshape(-1, 2, 3), strict=True):
        kinds = {"same": x, "left_right": x[:, ::-1], "top_bottom": x[::-1, :],
                 "half_turn": x[::-1, ::-1]}
        seen |= {k for k, v in kinds.items() if np.array_equal(v, y)}
    assert seen == set(allowed)
    assert out.shape == X.shape and out.dtype == X.dtype
    assert not np.shares_memory(out, X)


def test_each_axis_flips_about_half_the_pictures():
    X = images(4000, (1, 2))  # a 1x2 picture [a, b]: left-right mirrored means b > a
    out = random_flips(X, (1, 2), "horizontal", np.random.default_rng(1))
    flipped = (out[:, 1] < out[:, 0]).mean()
    assert 0.47 < flipped < 0.53


def test_no_flip_is_the_input_itself_and_draws_nothing():
    rng = np.random.default_rng(0)
    X = images()
    assert random_flips(X, (2, 3), "none", rng) is X
    assert rng.random() == np.random.default_rng(0).random()


def test_flips_are_the_same_for_the_same_generator():
    X = images(50)
    a = random_flips(X, (2, 3), "both", np.random.default_rng(7))
    b = random_flips(X, (2, 3), "both", np.random.default_rng(7))
    c = random_flips(X, (2, 3), "both", np.random.default_rng(8))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    x32 = X.astype(np.float32)
    assert random_flips(x32, (2, 3), "both", np.random.default_rng(7)).dtype == np.float32


def test_an_unknown_flip_is_refused():
    with pytest.raises(ValueError, match="unknown flips 'diagonal'"):
        random_flips(images(), (2, 3), "diagonal", np.random.default_rng(0))


@pytest.mark.parametrize("flips", FLIPS)
def test_every_flip_keeps_every_bars_label(flips):
    ds = make_dataset("bars", n_train=200, n_val=0, seed=3, size=7)
    out = random_flips(ds.X_train, (7, 7), flips, np.random.default_rng(0))
    assert [bars_class(x.reshape(7, 7)) for x in out] == ds.y_train.tolist()


def test_a_transpose_would_not_keep_them():
    """What the label test catches: a turn by a quarter makes every row a column."""
    ds = make_dataset("bars", n_train=20, n_val=0, seed=3, size=7)
    turned = [bars_class(x.reshape(7, 7).T) for x in ds.X_train]
    assert turned == (1 - ds.y_train).tolist()


def test_only_images_take_flips():
    assert DATASET_FLIPS["bars"] == FLIPS
    assert all(DATASET_FLIPS[name] == ("none",) for name in DATASETS if name != "bars")
    check_flips("bars", "both")
    check_flips("moons", "none")
    with pytest.raises(ValueError, match="flips 'vertical' do not apply to 'moons'"):
        check_flips("moons", "vertical")


# ---------------------------------------------------------------------------- in training
def spy(monkeypatch) -> list[tuple[np.ndarray, np.ndarray]]:
    """Every (inputs, flipped) pair the Trainer's ``random_flips`` is called with."""
    calls = []

    def recording(X, image_shape, flips, rng):
        out = random_flips(X, image_shape, flips, rng)
        calls.append((X.copy(), out))
        return out

    monkeypatch.setattr(trainer_module, "random_flips", recording)
    return calls


def test_the_trainer_flips_each_training_batch_and_nothing_else(monkeypatch):
    calls = spy(monkeypatch)
    t = Trainer(with_changes(BARS, {"train.log_every": 1}))
    batches = []
    original = t.net.forward_backward

    def training_step(X, y, *args, **kwargs):
        batches.append((X.copy(), y.copy()))
        return original(X, y, *args, **kwargs)

    t.net.forward_backward = training_step
    t.run(steps=10)
    assert len(calls) == 10 == len(batches)  # once a step; a record every step, none flipped
    for (given, flipped), (X, y) in zip(calls, batches, strict=True):
        assert all((t.dataset.X_train == x).all(axis=1).any() for x in given)  # a batch
        np.testing.assert_array_equal(flipped, X)  # the net learns from the flipped batch
        assert [bars_class(x.reshape(6, 6)) for x in X] == y.tolist()  # labels still true
    assert any(not np.array_equal(given, flipped) for given, flipped in calls)
    np.testing.assert_array_equal(t._X, t.dataset.X_train)  # the data itself stays as drawn


def test_evaluation_sees_the_pictures_unflipped():
    flipped, plain = Trainer(BARS), Trainer(with_changes(BARS, {"train.flips": "none"}))
    assert flipped.history.latest.to_json() == plain.history.latest.to_json()  # step 0
    flipped.run(steps=5)
    plain.run(steps=5)
    assert flipped.history.latest.train_loss != plain.history.latest.train_loss
    assert flipped.current_losses()[1] == flipped.history.latest.val_loss


def test_flips_are_the_same_for_a_seed_and_differ_across_seeds():
    a, b, c = Trainer(BARS), Trainer(BARS), Trainer(with_changes(BARS, {"seed": 3}))
    for t in (a, b, c):
        t.run()
    assert [r.to_json() for r in a.history.records] == [r.to_json() for r in b.history.records]
    assert a.history.latest.val_loss != c.history.latest.val_loss


def test_flips_draw_from_their_own_stream():
    """Turning flips on leaves the batches and the input noise as they were."""
    noisy = with_changes(BARS, {"train.input_noise": 0.1})
    seen = []
    for config in (noisy, with_changes(noisy, {"train.flips": "none"})):
        t = Trainer(config)
        t.run(steps=3)
        seen.append((t._batches.next_batch().tolist(), t._noise_rng.random()))
    assert seen[0] == seen[1]


def test_data_that_are_not_images_refuse_flips():
    moons = Config(data=DataConfig(name="moons"), train=TrainConfig(flips="horizontal"))
    with pytest.raises(ValueError, match="need image data"):
        Trainer(moons)
    t = Trainer(with_changes(moons, {"train.flips": "none"}))
    with pytest.raises(ValueError, match="need image data"):
        t.apply(cmd.Set({"train.flips": "vertical"}))
    assert t.config.train.flips == "none"


def test_flips_switch_on_between_steps_without_a_restart(monkeypatch):
    calls = spy(monkeypatch)
    t = Trainer(with_changes(BARS, {"train.flips": "none"}))
    t.run(steps=4)
    t.apply(cmd.Set({"train.flips": "vertical"}))
    t.run(steps=3)
    assert t.step_count == 7 and len(calls) == 3
