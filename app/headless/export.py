"""``nnterm export``: one run of a preset as a PyTorch script and/or a Jupyter notebook,
each with an ``.npz`` of its data and initial weights beside it (``engine.export``).

A run the exporter cannot express, an unknown run or a file that cannot be written is one
line on stderr and exit status 2, with nothing written.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

from nnterm.engine.export.exporter import RunExport, write_export
from nnterm.engine.export.refusals import ExportError
from nnterm.engine.preset_format.errors import PresetError
from nnterm.engine.preset_format.loader import load_preset
from nnterm.engine.preset_format.preset import BASE
from nnterm.engine.training.config import with_changes


def export_command(preset_name: str, *, run: str, seed: int | None, sets: list[str],
                   torch: Path | None, notebook: Path | None, exact: bool,
                   origin: str) -> int:
    """Write run ``run`` of the preset as ``torch`` (.py) and/or ``notebook`` (.ipynb)."""
    for path, suffix, option in ((torch, ".py", "--torch"), (notebook, ".ipynb", "--notebook")):
        if path is not None and path.suffix != suffix:
            raise PresetError(f"{str(path)!r} does not end in {suffix}", key=option,
                              allowed=f"a file name ending in {suffix}")
    preset = load_preset(preset_name, sets)
    if run not in preset.run_names:
        raise PresetError(f"the preset {preset.name} has no run {run!r}", key="--run",
                          allowed=", ".join(preset.run_names))
    config = preset.config if seed is None else replace(preset.config, seed=seed)
    if run != BASE:
        config = with_changes(config, preset.compare[run])
    try:
        export = RunExport(config, title=f"{preset.title} ({preset.name}, run {run})",
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
    return 0
