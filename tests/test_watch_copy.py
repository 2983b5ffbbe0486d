"""A run saved between two steps (``training.saved_run``) goes on elsewhere exactly as the
original does, its file is read without pickle and refused clearly when it is not one,
and ``nnterm --from-state`` opens it."""

from pathlib import Path

import numpy as np
import pytest
from helpers import drive

from nnterm.app.cli import main
from nnterm.engine.live import run_commands as rc
from nnterm.engine.live.run_set import build_run_set
from nnterm.engine.preset_format.loader import dump_preset, load_preset, parse_preset
from nnterm.engine.training import commands as cmd
from nnterm.engine.training.saved_run import (
    SavedRunError,
    read_saved_run,
    restore,
    save,
    write_saved_run,
)
from nnterm.engine.training.trainer import Trainer

#: Runs whose next steps draw from every kind of stream: shuffled mini-batches, dropout
#: masks, input noise and flips, fresh examples.
RUNS = {
    "batches": ("regularization", ["train.batch_size=24"]),
    "dropout": ("regularization", ["train.batch_size=24", "model.dropout=0.5"]),
    "noise_flips": ("augmentation", ["train.flips=both", "train.input_noise=1.0",
                                     "train.batch_size=24"]),
    "fresh": ("scaling_laws", []),
}


@pytest.mark.parametrize("run", RUNS)
def test_a_restored_run_takes_the_originals_next_steps(run, tmp_path):
    name, sets = RUNS[run]
    preset = load_preset(name, ["data.n_train=64", "data.n_val=32", *sets])
    original = Trainer(preset.config)
    for _ in range(13):  # (not a whole number of epochs: the sampler is mid-epoch)
        original.step()
    write_saved_run(tmp_path / "run.npz", save(original), dump_preset(preset))
    text, saved = read_saved_run(tmp_path / "run.npz")
    copy = Trainer(parse_preset(text).config)
    restore(copy, saved)
    assert copy.step_count == 13 and copy.examples_seen == original.examples_seen
    assert not copy.paused
    assert [copy.step() for _ in range(9)] == [original.step() for _ in range(9)]
    for mine, theirs in zip(copy.net.params, original.net.params, strict=True):
        np.testing.assert_array_equal(mine, theirs)
    assert copy.history.records[0].step == 13  # its records start where it was taken


def test_a_run_of_another_shape_is_refused_unchanged(tmp_path):
    wide = Trainer(load_preset("xor", ["model.hidden=[16]"]).config)
    narrow = Trainer(load_preset("xor").config)
    before = narrow.net.get_state()
    with pytest.raises(SavedRunError, match="shapes"):
        restore(narrow, save(wide))
    assert all(np.array_equal(a, b) for a, b in zip(before, narrow.net.params, strict=True))
    assert narrow.step_count == 0


@pytest.mark.parametrize(("content", "says"), [
    (None, "does not exist"),
    (b"not a zip", "is not a saved run"),
    ("npz", "is not a saved run of this nnterm"),
])
def test_a_file_that_is_not_a_saved_run_is_refused_clearly(tmp_path, content, says):
    path = tmp_path / "state.npz"
    if content == "npz":
        np.savez(path, weights=np.zeros(3))
    elif content is not None:
        path.write_bytes(content)
    with pytest.raises(SavedRunError, match=says):
        read_saved_run(path)


def test_the_app_refuses_a_bad_state_file_in_one_line(tmp_path, capsys):
    bad = tmp_path / "state.npz"
    bad.write_bytes(b"junk")
    assert main(["--from-state", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("nnterm: error: ") and "is not a saved run" in err
    assert err.count("\n") == 1
    assert main(["xor", "--from-state", str(bad)]) == 2
    assert "without PRESET" in capsys.readouterr().err


def test_the_engine_saves_and_resumes_a_run_between_steps(tmp_path: Path):
    """The app's side: SaveRun writes a run as it stands; ResumeRun sets a run there."""
    preset = load_preset("xor")
    path = tmp_path / "run.npz"
    runs = build_run_set([("base", preset.config)])
    for _ in range(7):
        runs["base"].step()
    drive(runs, [cmd.Pause(), rc.SaveRun("base", path, dump_preset(preset))],
          until=lambda snap: snap.commands_taken >= 2)
    _, saved = read_saved_run(path)
    assert saved.step == 7
    fresh = build_run_set([("base", preset.config)])
    last = drive(fresh, [rc.ResumeRun("base", saved)],  # paused, as it was saved
                 until=lambda snap: snap.commands_taken >= 1)[-1]
    assert fresh["base"].step_count == 7 and fresh["base"].paused  # as it was saved
    assert last.message == "your own copy, from step 7"
