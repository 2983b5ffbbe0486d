"""The csv dataset: reading a table, the task its target column chooses, the split and
standardisation, a preset's relative path and save round trip, the CLI and the decision
boundary (each kind of bad file is in test_csv_errors)."""

from __future__ import annotations

import csv
import dataclasses
import io
import os

import numpy as np
import pytest
from csv_tables import EXAMPLE, PRESET, preset_file, raw_rows, two_class_rows, write_table

from nnterm.app.cli import main
from nnterm.engine.data import make_dataset, split_sizes
from nnterm.engine.live.snapshot_build import build_snapshot
from nnterm.engine.preset_format.loader import PresetError, load_preset, save_preset
from nnterm.engine.preset_format.saving import edited_preset
from nnterm.engine.training.config import with_changes
from nnterm.engine.training.trainer import Trainer


def test_text_labels_are_classes_in_sorted_order(table):
    ds = make_dataset("csv", n_train=40, n_val=10, seed=0, path=str(table), target="label")
    assert ds.task == "classification" and ds.n_classes == ds.output_dim == 2
    assert ds.meta["classes"] == ("in", "out") and ds.meta["features"] == ("x", "y")
    assert ds.y_train.dtype == np.int64 and ds.X_train.shape == (40, 2)
    # every row keeps its label: class 1 ("out") is the ring of radius 3 around (5, 0)
    X = ds.X_train * ds.meta["feature_std"] + ds.meta["feature_mean"]
    radius = np.hypot(X[:, 0] - 5, X[:, 1])
    assert np.allclose(radius[ds.y_train == 1], 3.0, atol=1e-3)
    assert np.allclose(radius[ds.y_train == 0], 1.0, atol=1e-3)


def test_features_are_standardised_with_the_training_rows_only(table):
    ds = make_dataset("csv", n_train=30, n_val=20, seed=1, path=str(table), target="label")
    np.testing.assert_allclose(ds.X_train.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(ds.X_train.std(axis=0), 1.0)
    raw = raw_rows(table)
    train = ds.X_train * ds.meta["feature_std"] + ds.meta["feature_mean"]
    val = ds.X_val * ds.meta["feature_std"] + ds.meta["feature_mean"]
    np.testing.assert_allclose(ds.meta["feature_mean"], train.mean(axis=0))
    assert not np.allclose(ds.X_val.mean(axis=0), 0.0, atol=1e-6)  # not the val's own
    # train and val are disjoint rows of the file, and together all of them
    both = np.round(np.concatenate([train, val]), 4)
    assert sorted(map(tuple, both)) == sorted(map(tuple, np.round(raw, 4)))


def test_whole_number_labels_are_classes_in_numeric_order(tmp_path):
    rows = [[i, i % 3, [-1, 10, 2][i % 3]] for i in range(30)]
    path = write_table(tmp_path / "t.csv", ["a", "b", "y"], rows)
    ds = make_dataset("csv", n_train=24, n_val=6, seed=0, path=str(path), target="y")
    assert ds.task == "classification" and ds.meta["classes"] == ("-1", "2", "10")
    X = np.round(ds.X_train * ds.meta["feature_std"] + ds.meta["feature_mean"])
    np.testing.assert_array_equal(ds.y_train, [[0, 2, 1][int(b)] for b in X[:, 1]])


@pytest.mark.parametrize("values", [
    [0.5 * i for i in range(40)],          # fractions
    list(range(40)),                       # whole numbers, but more than half the rows differ
    [i % 25 for i in range(60)],           # whole numbers, more than 20 distinct
], ids=["fractions", "many_whole_numbers", "over_20_values"])
def test_other_numeric_targets_are_regression_standardised(tmp_path, values):
    rows = [[i, v] for i, v in enumerate(values)]
    path = write_table(tmp_path / "t.csv", ["x", "y"], rows)
    n = len(values)
    ds = make_dataset("csv", n_train=n - 10, n_val=10, seed=0, path=str(path), target="y")
    assert ds.task == "regression" and ds.n_classes == 0 and ds.output_dim == 1
    assert ds.y_train.shape == (n - 10, 1) and ds.meta["classes"] is None
    np.testing.assert_allclose(ds.y_train.mean(), 0.0, atol=1e-12)
    np.testing.assert_allclose(ds.y_train.std(), 1.0)
    # the target follows its row: here y is a function of x in the file
    x = ds.X_train[:, 0] * ds.meta["feature_std"][0] + ds.meta["feature_mean"][0]
    y = ds.y_train[:, 0] * ds.meta["target_std"] + ds.meta["target_mean"]
    np.testing.assert_allclose(y, np.asarray(values)[np.round(x).astype(int)])


def test_the_split_is_seeded_and_n_train_and_n_val_leave_each_other_alone(table):
    def load(seed, n_train, n_val):
        return make_dataset("csv", n_train=n_train, n_val=n_val, seed=seed, path=str(table),
                            target="label")

    a, b, other = load(3, 30, 10), load(3, 30, 10), load(4, 30, 10)
    for u, v in ((a.X_train, b.X_train), (a.y_val, b.y_val), (a.X_val, b.X_val)):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a.y_train, other.y_train)

    def raw(ds, split):
        return getattr(ds, f"X_{split}") * ds.meta["feature_std"] + ds.meta["feature_mean"]

    np.testing.assert_allclose(raw(a, "train"), raw(load(3, 30, 20), "train"))  # n_val
    np.testing.assert_allclose(raw(a, "val"), raw(load(3, 15, 10), "val"))  # n_train


def test_default_split_is_a_fifth_for_validation():
    assert split_sizes(200) == (160, 40)
    assert split_sizes(3) == (2, 1)
    assert split_sizes(200, n_train=50) == (50, 40)
    assert split_sizes(200, n_val=100) == (100, 100)
    with pytest.raises(ValueError, match=r"n_train 170 and n_val 40 \(a fifth"):
        split_sizes(200, n_train=170)


# ------------------------------------------------------------------ presets: paths and saving
def test_a_relative_path_is_found_beside_the_preset_not_in_the_current_folder(
        table, tmp_path, monkeypatch):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    preset = load_preset(preset_file(tmp_path))
    assert preset.config.data.params["path"] == str(table)
    assert os.path.isabs(preset.config.data.params["path"])


def test_set_path_is_relative_to_the_current_folder(table, tmp_path, monkeypatch):
    sub = tmp_path / "sub"
    sub.mkdir()
    other = write_table(sub / "other.csv", ["x", "y", "label"], two_class_rows(30, seed=1))
    monkeypatch.chdir(sub)
    path = preset_file(tmp_path)  # its own table, 50 rows, is beside it: split 40 + 10
    preset = load_preset(path, ["data.params.path=other.csv"])
    assert preset.config.data.params["path"] == str(other)
    # --set edits the file: the split it leaves out is a fifth of the new table's 30 rows
    assert (preset.config.data.n_train, preset.config.data.n_val) == (24, 6)
    with pytest.raises(PresetError, match="n_train 40 and n_val 6 .* do not fit in its 30 rows"):
        load_preset(path, ["data.params.path=other.csv", "data.n_train=40"])
    # an override of another parameter leaves the file's own path relative to its folder
    kept = load_preset(path, ["data.params.target=label"]).config.data
    assert kept.params["path"] == str(table) and (kept.n_train, kept.n_val) == (40, 10)


def test_omitted_sizes_become_an_80_20_split_of_the_rows(table, tmp_path):
    data = load_preset(preset_file(tmp_path)).config.data
    assert (data.n_train, data.n_val) == (40, 10)
    given = PRESET.replace("name: csv", "name: csv\n  n_train: 20")
    data = load_preset(preset_file(tmp_path, given)).config.data
    assert (data.n_train, data.n_val) == (20, 10)


def test_load_save_load_is_the_identity_from_any_folder(tmp_path, monkeypatch):
    # 500 rows with n_train and n_val at the Config's defaults (200, 200): a saved file that
    # left them out would load back as 400 and 100
    write_table(tmp_path / "data.csv", ["x", "y", "label"], two_class_rows(500))
    text = PRESET.replace("name: csv", "name: csv\n  n_train: 200\n  n_val: 200")
    preset = load_preset(preset_file(tmp_path, text))
    saved = tmp_path / "saved" / "mine.yaml"
    save_preset(preset, saved)
    assert "n_train: 200" in saved.read_text() and str(tmp_path / "data.csv") in saved.read_text()
    monkeypatch.chdir(saved.parent)
    again = load_preset(saved)
    assert again.config == preset.config and (again.config.data.n_train, again.config.data.n_val
                                              ) == (200, 200)


def test_a_preset_saved_from_the_app_still_finds_its_table(table, tmp_path, monkeypatch):
    preset = load_preset(preset_file(tmp_path))
    faster = with_changes(preset.config, {"train.optimizer.lr": 0.1})
    out = tmp_path / "user" / "mine_saved.yaml"
    save_preset(edited_preset(preset, [("base", preset.config), ("fast", faster)],
                              "mine_saved"), out)
    monkeypatch.chdir(tmp_path / "user")
    loaded = load_preset(out)
    assert loaded.config.data == preset.config.data
    assert loaded.compare == {"fast": {"train.optimizer.lr": 0.1}}


def test_a_table_changed_on_disk_is_read_again(table, tmp_path):
    path = preset_file(tmp_path)
    assert load_preset(path).config.data.n_train == 40
    write_table(table, ["x", "y", "label"], two_class_rows(100))
    assert load_preset(path).config.data.n_train == 80


def test_run_trains_the_example_and_check_proves_its_claim(capsys):
    assert main(["run", str(EXAMPLE), "--workers", "1", "--steps", "300"]) == 0
    out = capsys.readouterr().out
    assert "finished" in out
    assert main(["check", str(EXAMPLE), "--workers", "1"]) == 0
    assert "1 claim passed, 0 failed (1 preset, 1 run)" in capsys.readouterr().out


def test_the_cli_prints_one_line_and_exits_2_on_a_missing_column(capsys):
    code = main(["run", str(EXAMPLE), "--set", "data.params.target=colour"])
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "data.params.target: " in err and "no column 'colour'" in err
    assert "'x1', 'x2', 'moon'" in err


def test_a_regression_table_trains(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.uniform(-3, 3, size=(120, 2))
    y = np.sin(x[:, 0]) * 40 + 7 * x[:, 1] + 1000  # units far from 1
    out = io.StringIO()
    csv.writer(out).writerows([["a", "b", "price"], *np.column_stack([x, y]).round(5).tolist()])
    (tmp_path / "data.csv").write_text(out.getvalue())
    text = PRESET.replace("target: label", "target: price").replace(
        "activation: tanh}", "activation: tanh, loss: mse}").replace("steps: 40", "steps: 400")
    config = load_preset(preset_file(tmp_path, text)).config
    trainer = Trainer(config)
    first = trainer.run(steps=1)
    last = trainer.run()
    assert config.data.n_train == 96 and last.val_loss < 0.2 * first.val_loss


def test_the_boundary_covers_the_tables_plane():
    config = load_preset(EXAMPLE).config
    trainer = Trainer(dataclasses.replace(config, train=dataclasses.replace(config.train,
                                                                            steps=50)))
    trainer.run()
    boundary = build_snapshot(trainer, boundary_resolution=30).boundary
    x0, x1, y0, y1 = boundary.extent
    points = boundary.train_points
    assert (points[:, 0] > x0).all() and (points[:, 0] < x1).all()
    assert (points[:, 1] > y0).all() and (points[:, 1] < y1).all()
    assert set(np.unique(boundary.classes)) == {0, 1}
