"""Several runs in lockstep: the RunSet, the run commands in run_loop, and their frames."""

from __future__ import annotations

import queue

import numpy as np
import pytest
from helpers import FakeClock, drive

from nnterm.app.controls import OPTIMIZER_CYCLE
from nnterm.engine.data.names import VOCAB, sample_names
from nnterm.engine.live import run_commands as rc
from nnterm.engine.live.frame import IMAGE_SAMPLES, build_frame, describe_changes, text_samples
from nnterm.engine.live.landscape import thin
from nnterm.engine.live.plane import BOUNDARY_RESOLUTION
from nnterm.engine.live.run_loop import SAMPLE_SECONDS, run_loop
from nnterm.engine.live.run_set import MAX_RUNS, build_run_set, free_name
from nnterm.engine.nn.initializers import Init
from nnterm.engine.training import commands as cmd
from nnterm.engine.training.config import (
    Config,
    DataConfig,
    EarlyStoppingConfig,
    ModelConfig,
    OptimizerConfig,
    TrainConfig,
    config_diff,
    with_changes,
)

BASE = Config(
    data=DataConfig(name="moons", n_train=100, n_val=100),
    model=ModelConfig(hidden=(8,), activation="tanh"),
    train=TrainConfig(steps=10**6, log_every=10, optimizer=OptimizerConfig("sgd", lr=0.1)),
)
RUNS = [("base", BASE),
        ("fast", with_changes(BASE, {"train.optimizer.lr": 0.5})),
        ("relu", with_changes(BASE, {"model.activation": "relu"}))]


def test_runs_with_the_same_data_and_seed_share_one_dataset():
    other_data = ("noisy", with_changes(BASE, {"data.noise": 0.3}))
    runs = build_run_set([*RUNS, other_data])
    datasets = [t.dataset for t in runs.trainers]
    assert datasets[0] is datasets[1] is datasets[2]
    assert datasets[3] is not datasets[0]


def test_tick_steps_every_running_run_once():
    runs = build_run_set(RUNS)
    runs["fast"].apply(cmd.Pause())
    for _ in range(7):
        runs.tick()
    assert [t.step_count for t in runs.trainers] == [7, 0, 7]
    runs["fast"].apply(cmd.StepOnce())
    assert not runs.idle
    stepped, failed = runs.tick()
    assert [t.run_name for t in stepped] == ["base", "fast", "relu"] and failed == []


def test_a_command_goes_to_every_run_or_to_the_named_ones():
    runs = build_run_set(RUNS)
    published = drive(runs, [
        cmd.Pause(),
        rc.ToRuns(cmd.Set({"train.optimizer.lr": 0.03}), ("relu",)),
    ], until=lambda s: s.message.startswith("relu"))
    assert [t.config.train.optimizer.lr for t in runs.trainers] == [0.1, 0.5, 0.03]
    assert published[-1].message == "relu: lr 0.03"
    drive(runs, [cmd.Set({"train.l2": 0.01})], until=lambda s: s.message == "l2 0.01")
    assert all(t.config.train.l2 == 0.01 for t in runs.trainers)


def test_a_command_that_one_run_refuses_changes_no_run():
    runs = build_run_set(RUNS)
    bad = rc.ToRuns(cmd.Set({"train.optimizer.momentum": -1.0}), ("base", "fast"))
    published = drive(runs, [cmd.Pause(), bad], until=lambda s: "error" in s.message)
    assert "momentum" in published[-1].message
    assert [t.config.train.optimizer.momentum for t in runs.trainers] == [0.0, 0.0, 0.0]
    published = drive(runs, [rc.ToRuns(cmd.Pause(), ("nope",))],
                      until=lambda s: "error" in s.message)
    assert "no run named 'nope'" in published[-1].message


def test_a_duplicate_trains_on_exactly_as_its_original_would():
    runs = build_run_set(RUNS[:1])
    for _ in range(25):
        runs.tick()
    clone = runs.duplicate("base", free_name(runs.names, "base"))
    assert clone.run_name == "base 2" and runs.selected == "base 2"
    assert clone.dataset is runs["base"].dataset and clone.net is not runs["base"].net
    for _ in range(40):
        runs.tick()
    a, b = runs["base"].history.records, clone.history.records
    assert [r.train_loss for r in a] == [r.train_loss for r in b]
    assert np.array_equal(runs["base"].net.params[0], clone.net.params[0])


def test_removing_runs_keeps_the_colours_of_the_others_and_the_last_run():
    runs = build_run_set(RUNS)
    runs.select("fast")
    runs.remove("fast")
    assert runs.names == ("base", "relu") and runs.selected == "relu"
    runs.duplicate("base", "again")
    assert [runs.colour(n) for n in runs.names] == [0, 2, 3]
    for name in ("relu", "again"):
        runs.remove(name)
    with pytest.raises(ValueError, match="last run"):
        runs.remove("base")


def test_at_most_max_runs():
    runs = build_run_set([(f"r{i}", BASE) for i in range(MAX_RUNS)])
    with pytest.raises(ValueError, match=f"at most {MAX_RUNS}"):
        runs.duplicate("r0", "one more")


def test_run_commands_through_the_loop():
    runs = build_run_set(RUNS)
    published = drive(runs, [
        cmd.Pause(), rc.SelectRun("relu"), rc.DuplicateRun("relu", "relu 2"),
        rc.RemoveRun("fast"), rc.SelectRun("base"),
    ], until=lambda s: s.message == "showing base")
    last = published[-1]
    assert [v.name for v in last.runs] == ["base", "relu", "relu 2"]
    assert last.run == "base"
    assert runs["relu 2"].step_count == runs["relu"].step_count == 0
    published = drive(runs, [rc.DuplicateRun("base", "base 2")],
                      until=lambda s: "copy" in s.message)
    assert published[-1].message == "base 2: a copy of base at step 0"
    assert published[-1].run == "base 2"


def test_every_frame_describes_every_run_against_the_base():
    runs = build_run_set(RUNS)
    for _ in range(30):
        runs.tick()
    frame = build_frame(runs)
    assert [(v.name, v.colour, v.changes) for v in frame.runs] == [
        ("base", 0, ""), ("fast", 1, "lr 0.5"), ("relu", 2, "activation relu")]
    assert all(v.step == 30 and v.boundary is not None for v in frame.runs)
    assert all(v.series.steps[-1] == 30 for v in frame.runs)
    assert frame.run == "base" and frame.boundary.classes.shape == (BOUNDARY_RESOLUTION,) * 2


def test_a_current_frame_measures_every_run_at_the_step_it_shows():
    runs = build_run_set(RUNS)
    for _ in range(13):  # logged at 10: the latest record is 3 steps old
        runs.tick()
    logged, current = build_frame(runs), build_frame(runs, current=True)
    fast = runs["fast"]
    train_loss, val_loss, train_acc, val_acc = fast.current_losses()
    view = current.runs[1]
    assert (view.train_loss, view.val_loss, view.val_acc) == (train_loss, val_loss, val_acc)
    assert view.series.steps[-1] == 13 and view.series.train_loss[-1] == train_loss
    assert logged.runs[1].series.steps[-1] == 10 and logged.runs[1].train_loss != train_loss
    assert current.step == 13 and current.series.steps[-1] == 13
    assert len(fast.history.records) == 2  # measuring recorded nothing


def test_a_diverging_run_pauses_only_itself():
    wild = ("wild", with_changes(BASE, {"train.optimizer.lr": 1e6, "model.loss": "mse",
                                        "data.name": "teacher_student"}))
    runs = build_run_set([("base", BASE), wild])
    published = drive(runs, until=lambda s: s.runs[1].status == "diverged"
                      and s.runs[0].step > 50)
    last = published[-1]
    assert last.runs[1].paused and not last.runs[0].paused
    assert any(s.message.startswith("wild diverged") for s in published)


def test_config_diff_names_every_changed_leaf():
    other = with_changes(BASE, {"train.optimizer.lr": 0.3, "model.hidden": (4, 4),
                                "data.params.turns": 2})
    assert config_diff(BASE, other) == {"data.params.turns": 2, "model.hidden": (4, 4),
                                        "train.optimizer.lr": 0.3}
    assert config_diff(BASE, BASE) == {}


def test_next_token_frames_carry_names_written_by_every_model():
    names = Config(data=DataConfig(name="names", params={"context": 3}),
                   model=ModelConfig(hidden=(16,)), train=TrainConfig(steps=100))
    runs = build_run_set([("base", names), ("wide", with_changes(names, {"model.hidden": (32,)}))])
    samples = text_samples(runs, 7)
    labels = [label for label, _ in samples]
    assert labels == ["base", "wide", "bigram", "real"]
    assert all(len(row) == 6 and all(isinstance(n, str) for n in row) for _, row in samples)
    assert text_samples(runs, 7) == samples  # the seed fixes the text
    assert build_frame(runs, samples=samples).samples == samples
    assert build_frame(runs).samples == ()
    real = set(runs.base.dataset.meta["val_names"])
    assert set(samples[-1][1]) <= real
    assert text_samples(build_run_set(RUNS), 7) == ()  # no text to write: not next-token data


def test_every_snapshot_carries_the_newest_names_new_ones_every_few_seconds():
    """A UI draws the text panel only in its turn (about once a second), on the latest
    snapshot: each must carry the names, new ones every ``SAMPLE_SECONDS``."""
    names = Config(data=DataConfig(name="names", params={"context": 3}),
                   model=ModelConfig(hidden=(16,)), train=TrainConfig(steps=10**6))
    runs = build_run_set([("base", names)])
    clock = FakeClock(tick=0.001)  # every look at the clock is a millisecond
    published = []
    run_loop(runs, queue.SimpleQueue(), published.append, fps=10.0, clock=clock,
             should_stop=lambda: clock.now > 4 * SAMPLE_SECONDS)
    assert len(published) > 4 * SAMPLE_SECONDS * 10 - 5
    assert all(snapshot.samples for snapshot in published)
    texts = [published[0].samples]
    for snapshot in published:
        if snapshot.samples != texts[-1]:
            texts.append(snapshot.samples)
    assert len(texts) in (4, 5)  # at 0 s, then every SAMPLE_SECONDS


def test_sampled_names_follow_the_model():
    def always_ab(X):  # 'a' after '.', then 'b', then the end
        probs = np.zeros((len(X), len(VOCAB)))
        last = X[:, -len(VOCAB):].argmax(axis=1)
        probs[np.arange(len(X)), np.select([last == 0, last == 1], [1, 2], 0)] = 1.0
        return probs

    assert sample_names(always_ab, 3, np.random.default_rng(0), 3) == ("ab",) * 3
    loop = sample_names(lambda X: np.eye(len(VOCAB))[[1] * len(X)], 2,
                        np.random.default_rng(0), 2, max_len=4)
    assert loop == ("aaaa…", "aaaa…")


def test_a_path_sent_to_the_panel_keeps_a_point_where_it_moved_to_another_cell():
    crawl = np.column_stack([np.linspace(0.0, 1e-3, 1000), np.zeros(1000)])  # in one cell
    path = np.concatenate([crawl, [[0.5, 0.5], [np.nan, np.nan]]])
    thinned = thin(path, np.array([0.0, 0.0]), np.array([1.0, 1.0]))
    assert len(thinned) == 3  # the start, the jump, the end (NaN: the run blew up)
    assert np.array_equal(thinned[0], crawl[0]) and np.isnan(thinned[-1]).all()
    assert np.array_equal(thinned[1], [0.5, 0.5])


def test_two_weight_runs_get_a_loss_landscape_with_their_paths():
    linear = Config(data=DataConfig(name="ill_conditioned", n_train=200, n_val=50,
                                    params={"dim": 2, "condition": 100}),
                    model=ModelConfig(hidden=(), init=Init("zeros"), loss="mse"),
                    train=TrainConfig(steps=10**6, batch_size=0,
                                      optimizer=OptimizerConfig("sgd", lr=0.005)))
    runs = build_run_set([("base", linear),
                          ("adam", with_changes(linear, {"train.optimizer.name": "adam",
                                                         "train.optimizer.lr": 0.05}))])
    for _ in range(60):
        runs.tick()
    assert [len(runs.paths.path(name)) for name in runs.names] == [61, 61]  # every step
    land = build_frame(runs).landscape
    assert [name for name, _, _ in land.paths] == ["base", "adam"]
    assert np.array_equal(land.paths[0][2][0], [0.0, 0.0])  # from the zero init
    w = runs["adam"].net.params[0][:, 0]
    assert np.array_equal(land.paths[1][2][-1], w)
    x0, x1, y0, y1 = land.extent
    assert x0 < land.optimum[0] < x1 and y0 < land.optimum[1] < y1
    assert land.bands.min() == 0 and land.bands.max() >= 4  # a bowl: 2 decades or more
    runs["base"].apply(cmd.Reset())
    runs.paths.record(runs["base"])
    assert len(build_frame(runs).landscape.paths[0][2]) == 1  # a reset starts a new path
    assert build_frame(build_run_set(RUNS)).landscape is None  # a hidden layer: no plane


def test_a_long_path_is_thinned_not_dropped():
    linear = Config(data=DataConfig(name="ill_conditioned", n_train=50, n_val=10,
                                    params={"dim": 2}),
                    model=ModelConfig(hidden=(), loss="mse"),
                    train=TrainConfig(steps=10**6, batch_size=0, log_every=10**6,
                                      optimizer=OptimizerConfig("sgd", lr=1e-4)))
    runs = build_run_set([("base", linear)])
    for _ in range(5000):
        runs.tick()
    path = runs.paths.path("base")
    assert 900 <= len(path) < 2000


def test_regression_frames_carry_fitted_curves_or_a_surface():
    sine = Config(data=DataConfig(name="sine", n_train=50, n_val=20),
                  model=ModelConfig(hidden=(8,), loss="mse"), train=TrainConfig(steps=100))
    runs = build_run_set([("base", sine), ("wide", with_changes(sine, {"model.hidden": (16,)}))])
    frame = build_frame(runs)
    fit = frame.fit
    assert [name for name, _, _ in fit.curves] == ["base", "wide"] and frame.surface is None
    net = runs["wide"].net
    assert np.allclose(fit.curves[1][2], net.forward(fit.x.reshape(-1, 1))[:, 0])
    assert fit.x[0] < fit.train_x.min() and fit.x[-1] > fit.train_x.max()
    plane = Config(data=DataConfig(name="teacher_student", n_train=64, n_val=20,
                                   params={"dim": 2}),
                   model=ModelConfig(hidden=(8,), loss="mse"), train=TrainConfig(steps=100))
    frame = build_frame(build_run_set([("base", plane)]))
    assert frame.fit is None and frame.surface.values.shape == (BOUNDARY_RESOLUTION,) * 2
    x0, x1, y0, y1 = frame.surface.extent
    points = frame.surface.train_points
    assert (x0 < points[:, 0].min() and points[:, 0].max() < x1
            and y0 < points[:, 1].min() and points[:, 1].max() < y1)
    moons = build_frame(build_run_set(RUNS))
    assert moons.fit is None and moons.surface is None  # classification: the boundary


def test_image_frames_carry_sample_images_with_every_runs_guess():
    bars = Config(data=DataConfig(name="bars", n_train=40, n_val=40),
                  model=ModelConfig(hidden=(8,)), train=TrainConfig(steps=10))
    runs = build_run_set([("base", bars), ("wide", with_changes(bars, {"model.hidden": (16,)}))])
    images = build_frame(runs).images
    data = runs.base.dataset
    side = data.meta["image_shape"]
    assert images.images.shape == (IMAGE_SAMPLES, *side)
    assert set(images.labels.tolist()) == {0, 1}  # spread over the split: both classes
    rows = [np.flatnonzero((data.X_val == img.ravel()).all(axis=1))[0] for img in images.images]
    assert images.labels.tolist() == data.y_val[rows].tolist()  # each image with its label
    assert [name for name, _, _ in images.guesses] == ["base", "wide"]
    net = runs["wide"].net
    expected = runs["wide"].loss.predict(net.forward(data.X_val[rows]))
    assert images.guesses[1][2].tolist() == expected.tolist()
    assert build_frame(build_run_set(RUNS)).images is None  # a plane: the boundary


def test_changes_are_said_in_a_few_words():
    deep = ("relu",) * 19 + ("leaky_relu",)  # one layer of 20 edited: said in a few words
    assert describe_changes({"model.activation": deep}) == "activation [relu ×19, leaky_relu]"
    assert describe_changes({"model.hidden": (8, 8, 4)}) == "hidden [8, 8, 4]"
    assert describe_changes({"train.optimizer.lr": 0.3, "model.hidden": (),
                             "train.batch_size": 0, "train.optimizer.name": "adam"}) == \
        "lr 0.3, hidden [], batch full, optimizer adam"
    assert describe_changes({"train.early_stopping": EarlyStoppingConfig(patience=50),
                             "train.steps": 9}, untold=("train.steps",)) == \
        "early_stopping (patience 50)"
    said = [describe_changes(changes) for _, changes in OPTIMIZER_CYCLE]  # the o key's
    assert said == ["optimizer sgd", "optimizer sgd, momentum 0.9", "optimizer adam",
                    "optimizer adamw", "optimizer rmsprop", "optimizer adagrad"]


def test_a_frame_says_each_runs_root_cause_with_its_consequences_folded_under_it():
    """A layer dead from step 0 (bias -5): the gradient vanishes below it and the loss is
    flat; the frame says it once, as dead_relu with the rest folded under it, for the
    selected run and in every run's view."""
    dead = with_changes(BASE, {"model.hidden": [8, 8], "model.activation": "relu",
                               "model.init": Init("he_normal", bias=-5.0)})
    runs = build_run_set([("base", BASE), ("dead", dead)])
    for _ in range(100):
        runs.tick()
    runs.selected = "dead"
    frame = build_frame(runs)
    said = ("dead_relu (→ vanishing_gradients, flat_loss)",)
    assert frame.findings == said and [v.findings for v in frame.runs] == [(), said]
    assert [name for name, _, _ in frame.diagnoses] == ["dead_relu", "vanishing_gradients",
                                                        "flat_loss"]
