"""``T`` exports the selected run as it stands (the student's edits in it, and its weights
now) as a PyTorch script and notebook beside the saved presets; the engine writes them
and the status line names the file and the step."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import KEYS_PRESET, settled, status

from nnterm.app.app import NntermApp


@pytest.fixture
def config_home(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return tmp_path / "config" / "nnterm" / "presets"


async def test_t_exports_the_selected_run_with_its_edits_and_weights(config_home, tmp_path):
    app = NntermApp(KEYS_PRESET, in_process=True, paused=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(app, pilot, lambda s: s.paused)  # (a key acts on the runs once seen)
        await pilot.press("plus", "full_stop", "full_stop", "full_stop")
        await settled(app, pilot, lambda s: s.step == 3)
        await pilot.press("T")
        snapshot = await settled(app, pilot, lambda s: s.message.startswith("exported"))
        said = str(status(app))
    assert sorted(p.name for p in config_home.iterdir()) == [
        "keys_base_torch.ipynb", "keys_base_torch.npz", "keys_base_torch.py"]
    message = "exported keys_base_torch.py (+ .ipynb, .npz) with the weights of step 3 " \
              f"in {config_home}"
    assert snapshot.message == message and message in " ".join(said.split())
    script = (config_home / "keys_base_torch.py").read_text()
    assert "torch.optim.SGD(model.parameters(), lr=0.3)" in script
    assert "--from-weights" in script
    arrays = np.load(config_home / "keys_base_torch.npz")
    assert int(arrays["current.step"]) == 3
    assert not np.array_equal(arrays["current.0.weight"], arrays["0.weight"])  # 3 steps on
    assert not list(tmp_path.glob("*.py"))  # never into the current folder
