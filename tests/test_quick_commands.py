"""The quick commands load only what they need: ``nnterm --version``, ``--help`` and
``nnterm list`` import neither NumPy (nor Numba) nor Textual nor the engine's training
code. What a command imports was most of its start-up (0.25 s of the 0.34 s
``--version`` took)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

#: Runs the command line on its arguments, then prints the modules it imported, as JSON.
RUNNER = """
import json, sys
from nnterm.app.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)))
"""
#: What a quick command must not import: a package, or a module of ours and its own.
HEAVY = ("numpy", "scipy", "numba", "textual", "plotext", "nnterm.engine.nn", "nnterm.engine.data",
         "nnterm.engine.training", "nnterm.engine.preset_format.loader",
         "nnterm.engine.experiments.pool", "nnterm.engine.live.run_loop")


def imported_by(*argv: str, env: dict[str, str] | None = None) -> set[str]:
    done = subprocess.run([sys.executable, "-c", RUNNER, *argv], capture_output=True,
                          text=True, check=True, env=env)
    return set(json.loads(done.stdout.splitlines()[-1]))


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(f"{h}.") for h in HEAVY))


@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["list"], ["run", "--help"]])
def test_a_quick_command_imports_nothing_heavy(argv):
    modules = imported_by(*argv)
    assert "nnterm.app.cli" in modules
    assert heavy(modules) == []


def test_a_users_preset_is_listed_after_the_loader_checked_it(tmp_path):
    """The catalog loads a user's preset whole (and the engine with the loader): the
    check above sees the modules a command imports."""
    folder = tmp_path / "nnterm" / "presets"
    folder.mkdir(parents=True)
    (folder / "mine.yaml").write_text("name: mine\ntitle: T\nsection: S\nlesson: L\n")
    modules = imported_by("list", env={**os.environ, "XDG_CONFIG_HOME": str(tmp_path)})
    assert {"numpy", "nnterm.engine.preset_format.loader"} <= set(heavy(modules))


def test_a_headless_run_does_not_import_the_app_s_widgets():
    """``nnterm run`` draws a sweep's chart (``sweep_chart``) with the plain math of
    ``widgets.axis_ticks``, not the panels: Textual and the panels were a fifth of a
    second of every headless run's start-up."""
    modules = imported_by("run", "scaling_laws", "--steps", "1", "--workers", "1")
    assert {"nnterm.app.sweep_chart", "plotext"} <= modules
    widgets = {m for m in modules if m.startswith("nnterm.app.widgets")}
    assert widgets == {"nnterm.app.widgets", "nnterm.app.widgets.axis_ticks"}
    assert not {m for m in modules if m == "textual" or m.startswith("textual.")}
