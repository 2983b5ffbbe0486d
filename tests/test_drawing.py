"""Drawing your own data (engine): points added and erased in a Dataset, every run of a
lesson training on them with its weights kept, and the drawn set saved as a CSV file that
loads back to the very same points."""

from __future__ import annotations

import numpy as np
import pytest
from csv_tables import write_table
from helpers import MOONS

from nnterm.app.file_actions import save_runs
from nnterm.engine.data import (
    TableError,
    drawn_counts,
    drawn_params,
    drawn_table,
    make_dataset,
    with_point,
    without_points,
)
from nnterm.engine.live.frame import build_frame
from nnterm.engine.live.run_set import build_run_set
from nnterm.engine.live.run_words import describe
from nnterm.engine.preset_format.loader import load_preset
from nnterm.engine.preset_format.preset import run_configs
from nnterm.engine.training import commands as cmd
from nnterm.engine.training.config import DataConfig, with_changes
from nnterm.engine.training.trainer import Trainer

GAUSS = with_changes(MOONS, {"data": DataConfig(name="gauss", n_train=8, n_val=8)})


def gauss():
    return make_dataset("gauss", n_train=8, n_val=8, seed=0)


def test_a_point_drawn_is_a_training_example_at_the_end():
    data = gauss()
    drawn = with_point(data, 0.25, -1.0, 1)
    np.testing.assert_array_equal(drawn.X_train[:-1], data.X_train)
    assert drawn.X_train[-1].tolist() == [0.25, -1.0] and drawn.y_train[-1] == 1
    assert drawn.n_val == data.n_val and drawn.sampler is None
    assert drawn_counts(data) is None and drawn_counts(drawn) == (1, 0)
    assert drawn_counts(with_point(drawn, 0.0, 0.0, 0)) == (2, 0)


@pytest.mark.parametrize("label", [2, -1, True, 0.5])
def test_a_point_of_a_class_the_data_has_not_is_refused(label):
    with pytest.raises(ValueError, match="class"):
        with_point(gauss(), 0.0, 0.0, label)


def test_points_are_drawn_on_the_plane_of_classification_data_only():
    for name, params in (("sine", {}), ("random_classification", {"dim": 3})):
        with pytest.raises(ValueError, match="2-D classification"):
            with_point(make_dataset(name, n_train=4, n_val=4, seed=0, **params), 0, 0, 0)


def test_erasing_takes_the_training_points_in_the_box_and_validation_ones_if_asked():
    data = gauss()
    box = (0.0, 2.0, 0.0, 2.0)  # the upper right quarter

    def inside(X):
        return (X[:, 0] >= 0) & (X[:, 1] >= 0)

    erased = without_points(data, box)
    assert not inside(erased.X_train).any() and inside(data.X_train).any()
    assert erased.n_train == (~inside(data.X_train)).sum()
    np.testing.assert_array_equal(erased.X_val, data.X_val)  # validation points stay
    assert drawn_counts(erased) == (0, inside(data.X_train).sum())
    assert not inside(without_points(data, box, validation=True).X_val).any()
    cleared = without_points(data, None)
    assert cleared.n_train == 0 and cleared.n_val == data.n_val


def test_a_run_trains_on_the_drawn_points_with_its_weights_kept():
    trainer = Trainer(GAUSS)
    trainer.run(steps=100)  # (a record every 100 steps)
    weights = [p.copy() for p in trainer.net.params]
    before = trainer.history.latest
    trainer.apply(cmd.AddPoint(1.0, 1.0, 0))  # orange in the blue blob: a mistake
    assert trainer.step_count == 100 and trainer.dataset.n_train == 9
    measured = trainer.history.latest  # on the new data, at once
    assert measured is not before and measured.step == 100
    assert before.train_acc == 1.0 and measured.train_acc == 8 / 9
    for before, now in zip(weights, trainer.net.params, strict=True):
        np.testing.assert_array_equal(before, now)
    trainer.apply(cmd.Set({"train.batch_size": 0}))
    trainer.apply(cmd.StepOnce())
    assert trainer.tick() and trainer.history.latest is not None
    assert len(trainer.probe[0]) == 9 and trainer.epoch > 0


def test_with_every_training_point_erased_a_run_waits_and_a_reset_is_refused():
    trainer = Trainer(GAUSS)
    trainer.apply(cmd.RemovePoints(None))
    assert not trainer.would_step and not trainer.tick()
    with pytest.raises(ValueError, match="no training points"):
        trainer.apply(cmd.Reset())
    trainer.apply(cmd.AddPoint(0.5, 0.5, 1))
    assert trainer.would_step and trainer.tick() and trainer.step_count == 1


def test_reset_and_reseed_keep_the_drawn_points_and_a_change_of_data_drops_them():
    trainer = Trainer(GAUSS)
    trainer.apply(cmd.AddPoint(1.0, -1.0, 0))
    drawn = trainer.dataset
    trainer.apply(cmd.Reset())
    assert trainer.dataset is drawn
    trainer.apply(cmd.Reseed())
    assert trainer.dataset is drawn and trainer.config.seed == 1
    trainer.apply(cmd.Set({"data.n_train": 12}))
    assert trainer.dataset.n_train == 12 and drawn_counts(trainer.dataset) is None


def test_a_data_edit_starts_the_diagnoses_levels_again():
    """The loss jumps when points are drawn: not a loss rising from its low."""
    trainer = Trainer(GAUSS)
    trainer.run(steps=200)
    for x in np.linspace(-1, 1, 6):  # the other class across the blobs
        trainer.apply(cmd.AddPoint(float(x), float(-x), 1))
    trainer.run(steps=100)
    assert "loss_rising" not in [d.name for d in trainer.diagnoses]


def test_every_run_of_the_lesson_gets_the_points_and_the_frame_carries_them():
    runs = build_run_set([("base", GAUSS), ("wide", with_changes(GAUSS, {
        "model.hidden": (16,)}))])
    assert build_frame(runs).drawn is None
    for trainer in runs.trainers:
        trainer.apply(cmd.AddPoint(0.5, -0.5, 1))
    frame = build_frame(runs, message=describe(cmd.AddPoint(0.5, -0.5, 1), runs.base))
    assert frame.message == "a point of class 1 drawn"
    assert frame.drawn is not None and (frame.drawn.added, frame.drawn.removed) == (1, 0)
    assert frame.drawn.class_names == ("class 0", "class 1")
    assert [v.boundary.train_points[-1].tolist() for v in frame.runs] == [[0.5, -0.5]] * 2
    assert frame.boundary is not None and frame.boundary.n_classes == 2


def test_the_picture_stays_framed_where_it_was_drawn_on():
    runs = build_run_set([("base", GAUSS)])
    before = build_frame(runs).boundary.extent
    x0, x1, y0, y1 = before
    runs.base.apply(cmd.AddPoint(x0 + 0.01, y1 - 0.01, 1))  # in the corner of the picture
    assert build_frame(runs).boundary.extent == before
    runs.base.apply(cmd.RemovePoints(None, validation=True))
    empty = build_frame(runs, network_point=0)
    assert empty.boundary is not None and empty.boundary.extent == before
    assert empty.network is None and empty.drawn is not None  # (no point to show)
    runs.base.apply(cmd.AddPoint(x1 + 1.0, 0.0, 0))  # outside: the picture grows
    grown = build_frame(runs).boundary.extent
    assert grown[0] < x0 and grown[1] > x1 + 1.0


def test_a_drawn_table_loads_back_to_the_very_points(tmp_path):
    rng = np.random.default_rng(3)
    train = (rng.normal(size=(7, 2)) * 1e-3 + 1 / 3, np.array([0, 2, 2, 0, 2, 0, 2]))
    val = (rng.normal(size=(2, 2)), np.array([2, 0]))
    names = ("near", "class 1", "far, out")  # class 1 has no point left; a comma
    (tmp_path / "d.csv").write_text(drawn_table(train, val, names))
    data = make_dataset("csv", n_train=1, n_val=1, seed=9,
                        **drawn_params(str(tmp_path / "d.csv"), names))
    np.testing.assert_array_equal(data.X_train, train[0])
    np.testing.assert_array_equal(data.y_train, train[1])
    np.testing.assert_array_equal(data.X_val, val[0])
    np.testing.assert_array_equal(data.y_val, val[1])
    assert data.n_classes == 3 and data.meta["classes"] == names
    assert data.meta["split"] == (7, 2)


@pytest.mark.parametrize(("rows", "params", "param", "words"), [
    ([[1, 2, "a", "test"], [2, 1, "b", "val"]], {"split": "part", "classes": ["a", "b"]},
     "path", "'part' is 'test'"),
    ([[1, 2, "a", "train"], [2, 1, "b", "train"]], {"split": "part", "classes": ["a", "b"]},
     "path", "is val"),
    ([[1, 2, "a", "train"], [2, 1, "b", "val"]], {"split": "nope"}, "split", "no column"),
    ([[1, 2, "a", "train"], [2, 1, "b", "val"]], {"split": "label"}, "split", "target"),
    ([[1, 2, "a", "train"], [2, 1, "c", "val"]], {"split": "part", "classes": ["a", "b"]},
     "path", "not one of the classes"),
    ([[1, 2, "a", "train"], [2, 1, "b", "val"]], {"classes": ["a"]}, "classes", "distinct"),
    ([[1, 2, "a", "train"], [2, 1, "b", "val"]], {"classes": "ab"}, "classes", "list"),
    ([[1, 2, "a", "train"], [2, 1, "b", "val"]], {"standardize": "no"}, "standardize",
     "true or false"),
])
def test_a_bad_split_classes_or_standardize_names_its_parameter(tmp_path, rows, params,
                                                                param, words):
    path = write_table(tmp_path / "t.csv", ["x1", "x2", "label", "part"], rows)
    with pytest.raises(TableError, match=words) as caught:
        make_dataset("csv", n_train=1, n_val=1, seed=0, path=str(path), target="label",
                     **params)
    assert caught.value.param == param


def test_a_preset_with_a_split_column_takes_its_counts_and_refuses_others(tmp_path):
    write_table(tmp_path / "t.csv", ["x1", "x2", "label", "part"],
                [[1, 2, "a", "train"], [2, 1, "b", "train"], [0, 0, "a", "val"]])
    text = ("name: t\ntitle: T\nsection: S\nlesson: A split table.\n"
            "data: {name: csv, params: {path: t.csv, target: label, split: part, "
            "classes: [a, b]}}\n")
    (tmp_path / "t.yaml").write_text(text)
    config = load_preset(str(tmp_path / "t.yaml")).config
    assert (config.data.n_train, config.data.n_val) == (2, 1)
    (tmp_path / "u.yaml").write_text(text.replace("name: csv,", "name: csv, n_val: 2,"))
    with pytest.raises(Exception, match="marks 1 rows val"):
        load_preset(str(tmp_path / "u.yaml"))


def test_s_saves_the_drawn_points_beside_the_preset_and_it_opens_with_them(
        tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    preset = load_preset("draw")
    runs = build_run_set([(n, c) for n, _, c in run_configs(preset)])
    for trainer in runs.trainers:
        trainer.apply(cmd.AddPoint(-0.75, 0.8, 1))
        trainer.apply(cmd.RemovePoints((-2.0, 0.0, -2.0, 0.0)))
    frame = build_frame(runs)
    said: list[str] = []
    save_runs(preset, [(v.name, v.config) for v in frame.runs],
              lambda message, **_: said.append(message), frame.drawn)
    folder = tmp_path / "nnterm" / "presets"
    assert said == [f"saved {folder / 'draw_saved.yaml'} (open it with: nnterm draw_saved)"]
    assert (folder / "draw_saved.csv").read_text().startswith("x1,x2,class,split\n")
    saved = load_preset("draw_saved")
    again = build_run_set([(n, c) for n, _, c in run_configs(saved)])
    assert again.names == runs.names
    for trainer in again.trainers:
        for part in ("X_train", "y_train", "X_val", "y_val"):
            np.testing.assert_array_equal(getattr(trainer.dataset, part),
                                          getattr(runs.base.dataset, part))


def test_a_drawn_set_without_a_validation_point_is_not_saved(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    preset = load_preset("draw")
    runs = build_run_set([("base", preset.config)])
    runs.base.apply(cmd.RemovePoints((-9.0, 9.0, -9.0, 9.0), validation=True))
    runs.base.apply(cmd.AddPoint(0.0, 0.0, 0))
    said: list[str] = []
    save_runs(preset, [("base", preset.config)], lambda message, **_: said.append(message),
              build_frame(runs).drawn)
    assert "validation point" in said[0] and not (tmp_path / "nnterm").exists()
