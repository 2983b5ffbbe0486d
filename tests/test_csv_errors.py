"""One clear error for each kind of bad csv file or setting a table cannot take, naming the
preset file in one line; any file, fuzzed, gives a dataset or a table error."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from csv_tables import EXAMPLE, PRESET, preset_file
from hypothesis import given, settings
from hypothesis import strategies as st
from preset_fuzzing import FUZZ, mutate, survives

from nnterm.engine.data import TableError, make_dataset
from nnterm.engine.preset_format.loader import PresetError, load_preset


def error_for(tmp_path: Path, content: str | bytes | None, text: str = PRESET) -> PresetError:
    """The error of loading the preset beside ``data.csv`` holding ``content`` (None: no
    file); it names the preset file and is one line."""
    if isinstance(content, bytes):
        (tmp_path / "data.csv").write_bytes(content)
    elif content is not None:
        (tmp_path / "data.csv").write_text(content)
    path = preset_file(tmp_path, text)
    with pytest.raises(PresetError) as info:
        load_preset(path)
    message = str(info.value)
    assert message.startswith(f"{path}:") and "\n" not in message
    return info.value


def test_missing_file(tmp_path):
    err = error_for(tmp_path, None)
    assert err.key == "data.params.path" and err.line == 8
    assert "no such file" in err.problem and str(tmp_path / "data.csv") in err.problem


def test_a_folder_instead_of_a_file(tmp_path):
    (tmp_path / "data.csv").mkdir()
    err = error_for(tmp_path, None)
    assert err.key == "data.params.path" and "is a folder" in err.problem


def test_unreadable_bytes(tmp_path):
    err = error_for(tmp_path, b"x,y,label\n1,2,\xff\xfe\n")
    assert err.key == "data.params.path" and "not UTF-8" in err.problem


def test_empty_file(tmp_path):
    err = error_for(tmp_path, "\n\n")
    assert err.key == "data.params.path" and "no header row" in err.problem


def test_no_header(tmp_path):
    err = error_for(tmp_path, "1,2,0\n3,4,1\n5,6,0\n")
    assert err.key == "data.params.path" and "header row is missing" in err.problem


def test_header_only(tmp_path):
    err = error_for(tmp_path, "x,y,label\n")
    assert err.key == "data.params.path" and "0 data rows" in err.problem


def test_a_column_named_twice(tmp_path):
    err = error_for(tmp_path, "x,x,label\n1,2,a\n3,4,b\n")
    assert "column 'x' is named twice" in err.problem


def test_missing_target_column_lists_the_columns(tmp_path):
    err = error_for(tmp_path, "x,y,class\n1,2,a\n3,4,b\n")
    assert err.key == "data.params.target" and err.value == "label"
    assert "no column 'label'" in err.problem and err.allowed.endswith("'x', 'y', 'class'")


def test_a_word_in_a_feature_column_names_line_and_column(tmp_path):
    err = error_for(tmp_path, "x,y,label\n1,2,a\n3,four,b\n5,6,a\n")
    assert err.key == "data.params.path"
    assert err.problem.endswith("data.csv:3: column 'y' is 'four', not a number")


def test_a_blank_feature_cell(tmp_path):
    err = error_for(tmp_path, "x,y,label\n1,2,a\n3,,b\n")
    assert err.problem.endswith("data.csv:3: column 'y' is blank")


def test_a_nan_feature(tmp_path):
    err = error_for(tmp_path, "x,y,label\n1,2,a\nnan,4,b\n")
    assert "data.csv:3: column 'x' is 'nan', not a finite number" in err.problem


def test_a_ragged_row(tmp_path):
    err = error_for(tmp_path, "x,y,label\n1,2,a\n3,4,b,7\n5,6,a\n")
    assert err.key == "data.params.path"
    assert "data.csv:3: 4 fields, but the header names 3 columns" in err.problem


def test_too_few_rows_for_n_train_and_n_val(table, tmp_path):
    text = PRESET.replace("name: csv", "name: csv\n  n_train: 45\n  n_val: 10")
    err = error_for(tmp_path, None, text)
    assert err.key == "data.n_train" and err.value == 45 and err.line == 8
    assert "n_train 45 and n_val 10 do not fit in its 50 rows" in err.problem
    assert err.allowed == "n_train >= 1 and n_train + n_val <= 50"


def test_n_val_alone_too_big(table, tmp_path):
    err = error_for(tmp_path, None, PRESET.replace("name: csv", "name: csv\n  n_val: 50"))
    assert err.key == "data.n_val" and "n_train 0 (the rows left)" in err.problem


def test_a_single_class(tmp_path):
    err = error_for(tmp_path, "x,y,label\n1,2,a\n3,4,a\n5,6,a\n")
    assert err.key == "data.params.target" and "'a' in every row: nothing to learn" in err.problem


@pytest.mark.parametrize("cells", [["", "", ""], ["nan", "NaN", " "]])
def test_an_empty_target_column(tmp_path, cells):
    rows = "".join(f"{i},{i},{c}\n" for i, c in enumerate(cells))
    err = error_for(tmp_path, "x,y,label\n" + rows)
    assert err.key == "data.params.target" and "is empty (blank or NaN in every row)" in err.problem


def test_one_blank_target(tmp_path):
    err = error_for(tmp_path, "x,y,label\n1,2,a\n3,4,\n5,6,b\n")
    assert "data.csv:3: the target 'label' is blank or NaN" in err.problem


def test_too_many_text_labels(tmp_path):
    rows = "".join(f"{i},{i},name{i}\n" for i in range(30))
    err = error_for(tmp_path, "x,y,label\n" + rows)
    assert err.key == "data.params.target" and "30 different texts in 30 rows" in err.problem


def test_the_target_as_the_only_column(tmp_path):
    err = error_for(tmp_path, "label\na\nb\n")
    assert "is its only column: no features" in err.problem


@pytest.mark.parametrize(("line", "key", "problem"), [
    ("params: {target: label}", "data.params.path", "path None does not name a file"),
    ("params: {path: data.csv}", "data.params.target", "target None does not name a column"),
    ("params: {path: data.csv, target: label}\n  noise: 0.1", "data.noise",
     "'csv' is a fixed set of examples: it takes no noise"),
    ("params: {path: data.csv, target: label}\n  fresh_batches: true", "data.fresh_batches",
     "no distribution to draw fresh batches from"),
])
def test_settings_a_table_cannot_take(table, tmp_path, line, key, problem):
    err = error_for(tmp_path, None, PRESET.replace("params: {path: data.csv, target: label}",
                                                   line))
    assert err.key == key and problem in err.problem


def test_regression_needs_mse(tmp_path):
    rows = "".join(f"{i},{i * 0.37}\n" for i in range(40))
    err = error_for(tmp_path, "x,label\n" + rows)
    assert err.key == "model.loss" and "'csv' is a regression task" in err.problem


# ------------------------------------------------------------------ fuzzing
CSV_TEXT = st.lists(st.lists(st.sampled_from(["1", "-2.5", "a", "b", "", "nan", "x", "label",
                                              "1e3", '"q,r"', " "]), max_size=5),
                    max_size=8).map(lambda rows: "\n".join(",".join(r) for r in rows))


@settings(max_examples=200, deadline=None)
@given(CSV_TEXT | st.text(max_size=80))
def test_any_file_gives_a_dataset_or_a_table_error(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("fuzz") / "data.csv"
    path.write_text(text)
    try:
        ds = make_dataset("csv", n_train=1, n_val=1, seed=0, path=str(path), target="label")
    except TableError as err:
        assert str(err) and err.param in ("path", "target")
        return
    assert np.isfinite(ds.X_train).all() and ds.n_train == ds.n_val == 1


@FUZZ
@given(st.data())
def test_fuzz_a_csv_preset(data):
    text = PRESET.replace("path: data.csv", f"path: {EXAMPLE.with_suffix('.csv')}").replace(
        "target: label", "target: moon")
    tree = yaml.safe_load(text)
    for _ in range(data.draw(st.integers(1, 3))):
        tree = mutate(tree, data.draw)
    survives(yaml.safe_dump(tree, allow_unicode=True))
