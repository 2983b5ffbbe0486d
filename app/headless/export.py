"""``nnterm export``: one run of a preset as a PyTorch script and/or a Jupyter notebook,
each with an ``.npz`` of its data and initial weights beside it (``engine.export``);
``--at STEP`` trains the run to STEP first and adds its weights then, as the app's export
key adds a live run's.

A run the exporter cannot express, an unknown run or a file that cannot be written is one
line on stderr and exit status 2, with nothing written.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

from nnterm.engine.export.exporter import RunExport, write_export
from nnterm.engine.export.refusals import ExportError, check_exportable
from nnterm.engine.preset_format.errors import PresetError
from nnterm.engine.preset_format.loader import load_preset
from nnterm.engine.preset_format.preset import BASE
from nnterm.engine.training.config import Config, with_changes
from nnterm.engine.training.trainer import Trainer


def export_command(preset_name: str, *, run: str, seed: int | None, sets: list[str],
                   torch: Path | None, notebook: Path | None, exact: bool,
                   origin: str, at: int | None = None) -> int:
    """Write run ``run`` of the preset as ``torch`` (.py) and/or ``notebook`` (.ipynb),
    with its weights after ``at`` steps if given."""
    for path, suffix, option in ((torch, ".py", "--torch"), (notebook, ".ipynb", "--notebook")):
        if path is not None and path.suffix != suffix:
            raise PresetError(f"{str(path)!r} does not end in {suffix}", key=option,
                              allowed=f"a file name ending in {suffix}")
    if at is not None and at < 0:
        raise PresetError(f"{at} is not a step", key="--at", allowed="a step, 0 or more")
    preset = load_preset(preset_name, sets)
    if run not in preset.run_names:
        raise PresetError(f"the preset {preset.name} has no run {run!r}", key="--run",
                          allowed=", ".join(preset.run_names))
    config = preset.config if seed is None else replace(preset.config, seed=seed)
    if run != BASE:
        config = with_changes(config, preset.compare[run])
    title = f"{preset.title} ({preset.name}, run {run})"
    try:
        if at is None:
            export = RunExport(config, title=title, lesson=preset.lesson, origin=origin,
                               exact=exact)
        else:
            export = RunExport.of_trainer(trained(config, at), title=title,
                                          lesson=preset.lesson, origin=origin, exact=exact)
        written = write_export(export, torch, notebook)
    except ExportError as err:
        print(f"nnterm: error: cannot export run {run} of {preset.name}: {err}",
              file=sys.stderr)
        return 2
    except OSError as err:
        targets = ", ".join(str(p) for p in (torch, notebook) if p is not None)
        print(f"nnterm: error: cannot write {targets}: {err.strerror or err}",
              file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path}")
    if export.start is not None:
        print(f"with the weights of step {export.start.step} (--from-weights current)")
    return 0


def trained(config: Config, steps: int) -> Trainer:
    """A Trainer of ``config`` after ``steps`` steps (fewer if the run ends first),
    checked exportable before it trains (ExportError)."""
    check_exportable(config)
    trainer = Trainer(config)
    trainer.run(steps)
    return trainer
