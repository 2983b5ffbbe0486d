"""The README's exported script is what ``nnterm export xor --torch xor.py`` writes now."""

from __future__ import annotations

import re
from pathlib import Path

from nnterm.app.cli import main

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()
COMMAND = "nnterm export xor --torch xor.py"


def test_the_readme_shows_the_exported_xor_script_as_it_is_written_now(tmp_path,
                                                                        monkeypatch):
    shown = re.search(rf"<!-- exported: {COMMAND} -->\n```py\n(.*?)```", README, re.DOTALL)
    assert shown is not None, "the README's section From nnterm to PyTorch shows it"
    monkeypatch.chdir(tmp_path)
    assert main(COMMAND.split()[1:]) == 0
    assert shown.group(1) == (tmp_path / "xor.py").read_text()
