"""``T`` exports the selected run as it stands (the student's edits in it) as a PyTorch
script and notebook beside the saved presets, and the line under the panels names the file;
a run the exporter refuses is said, and nothing is written."""

from __future__ import annotations

import pytest
from helpers import KEYS_PRESET, footer_says, settled

from nnterm.app.app import NntermApp
from nnterm.app.file_actions import export_run
from nnterm.engine.preset_format.loader import load_preset


@pytest.fixture
def config_home(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return tmp_path / "config" / "nnterm" / "presets"


async def test_t_exports_the_selected_run_with_its_edits(config_home, tmp_path):
    app = NntermApp(KEYS_PRESET, in_process=True, paused=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(app, pilot, lambda s: s.paused)  # (a key acts on the runs once seen)
        await pilot.press("plus")
        await settled(app, pilot, lambda s: s.config.train.optimizer.lr == pytest.approx(0.3))
        await pilot.press("T")
        await pilot.pause()
        said = footer_says(app)
    assert sorted(p.name for p in config_home.iterdir()) == [
        "keys_base_torch.ipynb", "keys_base_torch.npz", "keys_base_torch.py"]
    assert f"exported keys_base_torch.py (+ .ipynb, .npz) in {config_home}" in said
    script = (config_home / "keys_base_torch.py").read_text()
    assert "torch.optim.SGD(model.parameters(), lr=0.3)" in script
    assert not list(tmp_path.glob("*.py"))  # never into the current folder


def test_a_refused_run_is_said_and_nothing_written(config_home):
    notices = []
    preset = load_preset("double_descent")
    export_run(preset, "base", preset.config,
               lambda message, **kw: notices.append((message, kw["severity"])))
    assert notices == [("cannot export run base: train.solver (the last layer fitted in "
                        "closed form, not by gradient steps) cannot be exported as a PyTorch "
                        "training loop", "error")]
    assert not config_home.exists() or not list(config_home.iterdir())
