"""A run exported as it stands carries its weights now: the engine writes it between two
steps (``run_commands.ExportRun``), and the ``.npz`` holds the trainer's parameters and
optimizer state at that step in torch's layout and names, beside the initial weights.
(That a script goes on from them as nnterm does is in ``test_export_torch``.)"""

from __future__ import annotations

import queue

import numpy as np
import pytest

from nnterm.engine.export.current_weights import current_arrays, start_point
from nnterm.engine.export.exporter import RunExport, write_export
from nnterm.engine.live import run_commands as rc
from nnterm.engine.live.run_export import export_run
from nnterm.engine.live.run_loop import run_loop
from nnterm.engine.live.run_set import RunSet
from nnterm.engine.preset_format.loader import load_preset
from nnterm.engine.training import commands as cmd
from nnterm.engine.training.building import build_network
from nnterm.engine.training.config import (
    Config,
    DataConfig,
    ModelConfig,
    OptimizerConfig,
    TrainConfig,
)
from nnterm.engine.training.trainer import Trainer


def moons(optimizer: OptimizerConfig, frozen: tuple[int, ...] = ()) -> Config:
    return Config(data=DataConfig(name="moons", n_train=64, n_val=32),
                  model=ModelConfig(hidden=(8, 6), activation="tanh", frozen=frozen),
                  train=TrainConfig(steps=1000, batch_size=16, optimizer=optimizer))


def exported(tmp_path, trainer: Trainer) -> np.lib.npyio.NpzFile:
    write_export(RunExport.of_trainer(trainer, title="t"), tmp_path / "run.py")
    return np.load(tmp_path / "run.npz")


def test_the_npz_holds_the_parameters_and_optimizer_state_of_the_step(tmp_path):
    config = moons(OptimizerConfig(name="adam", lr=0.01), frozen=(0,))
    trainer = Trainer(config)
    trainer.run(11)
    arrays = exported(tmp_path, trainer)
    net, optimizer = trainer.net, trainer.optimizer
    assert int(arrays["current.step"]) == 11
    names = ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]
    for name, param, initial in zip(names, net.params, build_network(
            config, trainer.dataset).params, strict=True):
        ours = param.T if name.endswith("weight") else param
        np.testing.assert_array_equal(arrays[f"current.{name}"], ours)
        np.testing.assert_array_equal(arrays[name].T if name.endswith("weight")
                                      else arrays[name], initial)
    # the frozen first layer never moved; the others did
    np.testing.assert_array_equal(arrays["current.0.weight"], arrays["0.weight"])
    assert not np.array_equal(arrays["current.2.weight"], arrays["2.weight"])
    # torch numbers the trained parameters only: 2.weight, 2.bias, 4.weight, 4.bias
    for key in ("exp_avg", "exp_avg_sq"):
        flat = np.concatenate([
            (arrays[f"current.optimizer.{i}.{key}"].T if i % 2 == 0
             else arrays[f"current.optimizer.{i}.{key}"]).ravel() for i in range(4)])
        np.testing.assert_array_equal(flat, optimizer.state[key])
    assert [float(arrays[f"current.optimizer.{i}.step"]) for i in range(4)] == [11.0] * 4
    assert "current.optimizer.4.step" not in arrays


def test_sgd_counts_no_steps_and_keeps_momentum_only_when_it_has_some(tmp_path):
    momentum = Trainer(moons(OptimizerConfig(name="sgd", lr=0.1, momentum=0.9)))
    momentum.run(3)
    assert start_point(momentum).optimizer_state == ("momentum_buffer",)
    plain = Trainer(moons(OptimizerConfig(name="sgd", lr=0.1)))
    plain.run(3)
    assert start_point(plain).optimizer_state == ()
    assert not [k for k in current_arrays(plain, [0, 2, 4]) if ".optimizer." in k]
    script = RunExport.of_trainer(plain, title="t").script("run.npz")
    assert "START = int(arrays[\"current.step\"])" in script
    assert "optimizer.load_state_dict" not in script


def test_at_step_0_the_current_weights_are_the_initial_ones(tmp_path):
    trainer = Trainer(moons(OptimizerConfig(name="adam")))
    arrays = exported(tmp_path, trainer)
    assert int(arrays["current.step"]) == 0
    np.testing.assert_array_equal(arrays["current.2.bias"], arrays["2.bias"])
    assert start_point(trainer).optimizer_state == ()


def order(folder, run="base") -> rc.ExportRun:
    return rc.ExportRun(run, folder, "moons_base_torch", title="Moons")


def test_the_run_loop_writes_the_export_and_says_where(tmp_path):
    trainer = Trainer(moons(OptimizerConfig(name="adam", lr=0.01)))
    trainer.run(4)
    inbox: queue.SimpleQueue = queue.SimpleQueue()
    inbox.put(cmd.Pause())
    inbox.put(order(tmp_path / "new"))
    published = []
    run_loop(RunSet([trainer]), inbox, published.append,
             should_stop=lambda: published[-1].commands_taken == 2 and inbox.put(cmd.Stop()))
    folder = tmp_path / "new"
    assert published[-1].message == ("exported moons_base_torch.py (+ .ipynb, .npz) with "
                                     f"the weights of step 4 in {folder}")
    assert int(np.load(folder / "moons_base_torch.npz")["current.step"]) == 4


def test_a_second_export_takes_the_next_free_name(tmp_path):
    trainer = Trainer(moons(OptimizerConfig()))
    (tmp_path / "moons_base_torch.ipynb").write_text("")  # a name is taken by any of its files
    assert "moons_base_torch_2.py" in export_run(trainer, order(tmp_path))
    assert "moons_base_torch_3.py" in export_run(trainer, order(tmp_path))
    assert len(list(tmp_path.iterdir())) == 7


def test_a_run_a_script_cannot_express_is_said_and_nothing_written(tmp_path):
    preset = load_preset("double_descent")
    message = export_run(Trainer(preset.config), order(tmp_path))
    assert message.startswith("cannot export run base: train.solver")
    assert list(tmp_path.iterdir()) == []


def test_a_folder_that_cannot_be_written_is_said(tmp_path):
    (tmp_path / "file").write_text("")
    message = export_run(Trainer(moons(OptimizerConfig())), order(tmp_path / "file" / "x"))
    assert message.startswith(f"cannot export in {tmp_path / 'file' / 'x'}: ")


@pytest.mark.parametrize("notebook", [False, True])
def test_the_scripts_choice_of_weights(notebook):
    trainer = Trainer(moons(OptimizerConfig(name="adam")))
    trainer.run(5)
    export = RunExport.of_trainer(trainer, title="t")
    text = export.notebook("run.npz") if notebook else export.script("run.npz")
    if notebook:
        assert 'FROM_WEIGHTS = \\"initial\\"  # \\"current\\": from nnterm\'s weights at step 5' \
            in text
    else:
        assert 'parser.add_argument("--from-weights", choices=("initial", "current")' in text
    assert "argparse" not in RunExport(trainer.config, title="t").script("run.npz")
