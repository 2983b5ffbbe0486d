"""``nnterm export``: the files it writes, and one line with exit status 2, nothing written,
for whatever it cannot do. No torch needed: the export writes text (its runs are tested
in test_export_torch)."""

from __future__ import annotations

import os

import numpy as np
import pytest

from nnterm.app.cli import main
from nnterm.engine.export.refusals import ExportError, check_exportable
from nnterm.engine.export.torch_terms import (
    ACTIVATION_MODULES,
    FEATURE_EXPRESSIONS,
    INIT_LAWS,
    LOSS_CODE,
)
from nnterm.engine.nn.activations import ACTIVATIONS
from nnterm.engine.nn.features import FEATURES
from nnterm.engine.nn.initializers import INITS
from nnterm.engine.nn.losses import LOSSES
from nnterm.engine.preset_format.loader import load_preset
from nnterm.engine.training.building import build_dataset, build_network
from nnterm.engine.training.config import Config, with_changes
from nnterm.engine.training.trainer import Trainer


def test_every_activation_loss_init_and_feature_has_its_pytorch_words():
    assert set(ACTIVATION_MODULES) == set(ACTIVATIONS)
    assert set(LOSS_CODE) == set(LOSSES)
    assert set(INIT_LAWS) == set(INITS)
    assert set(FEATURE_EXPRESSIONS) == set(FEATURES)


def test_export_writes_the_script_the_notebook_and_their_data(tmp_path, capsys):
    script, notebook = tmp_path / "xor.py", tmp_path / "xor.ipynb"
    assert main(["export", "xor", "--run", "linear", "--seed", "3", "--torch", str(script),
                 "--notebook", str(notebook)]) == 0
    assert sorted(os.listdir(tmp_path)) == ["xor.ipynb", "xor.npz", "xor.py"]
    assert capsys.readouterr().out.split() == ["wrote", str(script), "wrote",
                                               str(tmp_path / "xor.npz"), "wrote",
                                               str(notebook)]
    text = script.read_text()
    assert "Exported with: nnterm export xor --run linear --seed 3 --torch" in text
    assert "nnterm" not in "".join(line for line in text.splitlines()
                                   if line.startswith(("import", "from")))
    assert "SEED = 3" in text and "nn.Linear(2, 2)," in text  # linear: no hidden layer
    config = with_changes(load_preset("xor").config, {"model.hidden": (), "seed": 3})
    data = build_dataset(config)
    net = build_network(config, data)
    arrays = np.load(tmp_path / "xor.npz")
    np.testing.assert_array_equal(arrays["X_train"], data.X_train)
    np.testing.assert_array_equal(arrays["y_val"], data.y_val)
    np.testing.assert_array_equal(arrays["0.weight"], net.params[0].T)  # (out, in)
    np.testing.assert_array_equal(arrays["0.bias"], net.params[1])


def test_at_a_step_the_weights_of_that_step_are_added(tmp_path, capsys):
    script = tmp_path / "xor.py"
    assert main(["export", "xor", "--at", "37", "--torch", str(script)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "with the weights of step 37 (--from-weights current)")
    trainer = Trainer(load_preset("xor").config)
    trainer.run(37)
    arrays = np.load(tmp_path / "xor.npz")
    assert int(arrays["current.step"]) == 37
    np.testing.assert_array_equal(arrays["current.2.weight"], trainer.net.params[2].T)
    np.testing.assert_array_equal(arrays["current.optimizer.3.exp_avg"],
                                  trainer.optimizer.state["exp_avg"][-2:])  # out's bias
    assert "--from-weights current" in script.read_text()


def test_the_state_dict_names_skip_the_activation_and_dropout_modules(tmp_path):
    script = tmp_path / "run.py"
    assert main(["export", "regularization", "--run", "dropout", "--torch", str(script)]) == 0
    names = sorted(np.load(tmp_path / "run.npz").files)
    assert names == ["0.bias", "0.weight", "3.bias", "3.weight", "6.bias", "6.weight",
                     "X_train", "X_val", "y_train", "y_val"]
    assert "nn.Linear(2, 128), nn.ReLU(), nn.Dropout(0.5)," in script.read_text()


@pytest.mark.parametrize(("args", "said"), [
    (["double_descent"], "cannot export run base of double_descent: train.solver"),
    (["scaling_laws"], "data.fresh_batches"),
    (["xor", "--run", "nope"], "--run: the preset xor has no run 'nope' (allowed: base, "
                               "linear, identity)"),
    (["xor", "--set", "train.steps=many"], "train.steps"),
    (["no_such_preset"], "unknown preset"),
    (["xor", "--at", "-1"], "--at: -1 is not a step"),
    (["double_descent", "--at", "5"], "train.solver"),
])
def test_what_cannot_be_exported_is_one_line_and_nothing_written(args, said, tmp_path,
                                                                 capsys):
    out = tmp_path / "out"
    out.mkdir()
    assert main(["export", *args, "--torch", str(out / "x.py"),
                 "--notebook", str(out / "x.ipynb")]) == 2
    err = capsys.readouterr().err
    assert said in err and len(err.splitlines()) == 1
    assert os.listdir(out) == []


def test_file_names_must_say_what_they_are_and_a_link_is_not_written_through(tmp_path,
                                                                            capsys):
    assert main(["export", "xor", "--torch", str(tmp_path / "x.npz")]) == 2
    assert "--torch: " in capsys.readouterr().err
    assert main(["export", "xor", "--notebook", str(tmp_path / "x.py")]) == 2
    (tmp_path / "elsewhere.npz").write_text("mine")
    (tmp_path / "x.npz").symlink_to(tmp_path / "elsewhere.npz")
    assert main(["export", "xor", "--torch", str(tmp_path / "x.py")]) == 2
    assert "symbolic link" in capsys.readouterr().err
    assert sorted(os.listdir(tmp_path)) == ["elsewhere.npz", "x.npz"]
    assert (tmp_path / "elsewhere.npz").read_text() == "mine"
    with pytest.raises(SystemExit) as stop:
        main(["export", "xor"])
    assert stop.value.code == 2 and "--torch FILE.py and/or" in capsys.readouterr().err


def test_the_refusals_name_the_setting():
    check_exportable(Config())
    with pytest.raises(ExportError, match=r"^train\.solver"):
        check_exportable(with_changes(Config(), {"train.solver.ridge": 0.1}))
    with pytest.raises(ExportError, match=r"^data\.fresh_batches"):
        check_exportable(with_changes(Config(), {"data.fresh_batches": True}))
    check_exportable(with_changes(Config(), {"data.fresh_batches": True,
                                             "train.batch_size": 0}))  # (unused: full batch)
