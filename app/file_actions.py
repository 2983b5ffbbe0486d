"""Writing files from the app: a screenshot (``s``), every run as a preset (``S``), with
the points drawn on its data as a CSV file beside it, and the names of the selected run's
PyTorch export (``T``), which the engine writes, since the run's weights are there.

Each says in a notice (through the ``notify`` it is given) where the file went or why it
could not be written (the export: the engine, on the status line); training goes on
either way.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from textual.notifications import SeverityLevel

from nnterm.engine.data import drawn_params, drawn_table
from nnterm.engine.live.run_commands import ExportRun
from nnterm.engine.live.snapshot import DrawnData
from nnterm.engine.preset_format.errors import PresetError
from nnterm.engine.preset_format.loader import save_preset, user_preset_dir
from nnterm.engine.preset_format.preset import Preset
from nnterm.engine.preset_format.saving import edited_preset, on_drawn_table
from nnterm.engine.training.config import Config
from nnterm.engine.training.safe_files import free_file_name, write_atomic


class Notify(Protocol):
    """Textual's ``notify``: where a file went, or why it was not written."""

    def __call__(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
                 timeout: float | None = None) -> None: ...


def save_screenshot(svg: str, lesson: str, folder: Path | None, notify: Notify) -> None:
    """``svg`` (the screen) in ``folder`` (None: ``screenshot_dir()``), named after the
    ``lesson`` and the time (``xor_2026-12-07T10-00-00.svg``: a folder of them says which
    is which); a failure is said, never fatal."""
    folder = folder or screenshot_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        stem = f"{lesson}_{time.strftime('%Y-%m-%dT%H-%M-%S')}"
        path = folder / f"{free_file_name(folder, stem, ('.svg',))}.svg"
        write_atomic(path, svg)
    except OSError as err:
        notify(f"cannot write a screenshot in {folder}: {err.strerror or err}",
               title="Screenshot", severity="error", timeout=8)
        return
    notify(f"saved {path}", title="Screenshot", timeout=4)


def save_runs(preset: Preset, runs: Sequence[tuple[str, Config]], notify: Notify,
              drawn: DrawnData | None = None) -> None:
    """Every run (name, config) of ``preset`` as it stands, as a preset in the user's
    preset folder (``saving.edited_preset``), with the points ``drawn`` on its data (if
    any) as a CSV file beside it that the runs read (``name.csv``); a failure is said,
    never fatal."""
    if drawn is not None and not (len(drawn.train_labels) and len(drawn.val_labels)):
        notify("cannot save the drawn points: a table needs a training point and a "
               "validation point (v shows those)", title="Preset", severity="error",
               timeout=8)
        return
    folder = user_preset_dir()
    try:
        folder = folder or Path.cwd()  # (no home: the current folder, which may be gone)
        folder.mkdir(parents=True, exist_ok=True)
        name = free_file_name(folder, f"{preset.name}_saved", (".yaml", ".csv"))
        path = folder / f"{name}.yaml"
        if drawn is not None:
            runs = _on_table(runs, drawn, folder / f"{name}.csv")
        save_preset(edited_preset(preset, runs, name), path)
    except (OSError, PresetError) as err:
        reason = err.strerror if isinstance(err, OSError) and err.strerror else err
        notify(f"cannot save the preset in {folder}: {reason}", title="Preset",
               severity="error", timeout=8)
        return
    notify(f"saved {path} (open it with: nnterm {name})", title="Preset", timeout=6)


def _on_table(runs: Sequence[tuple[str, Config]], drawn: DrawnData, table: Path
              ) -> list[tuple[str, Config]]:
    """Write the ``drawn`` points to ``table`` and make every run read them from there
    (named relative: the preset's folder is where a preset's tables are looked for)."""
    write_atomic(table, drawn_table((drawn.train_points, drawn.train_labels),
                                    (drawn.val_points, drawn.val_labels), drawn.class_names))
    params = drawn_params(table.name, drawn.class_names)
    return [(name, on_drawn_table(config, params, len(drawn.train_labels),
                                  len(drawn.val_labels))) for name, config in runs]


def export_order(preset: Preset, run: str) -> ExportRun:
    """The engine's order to write run ``run`` as it stands (its settings, data and
    weights now) as a PyTorch script and notebook with their ``.npz``, beside the saved
    presets (``xor_base_torch.py``, ``.ipynb``, ``.npz``, or ``xor_base_torch_2...``).
    The engine says on the status line what it wrote, or why not."""
    return ExportRun(run, user_preset_dir() or Path.cwd(),  # (no home: the current folder)
                     f"{preset.name}_{run}_torch",
                     title=f"{preset.title} ({preset.name}, run {run})", lesson=preset.lesson,
                     origin=f"nnterm's T key on run {run} of {preset.name}, as it stood")


def screenshot_dir() -> Path:
    """Where ``s`` saves: ``$XDG_PICTURES_DIR/nnterm`` if set, else
    ``$XDG_DATA_HOME/nnterm/screenshots`` (default ``~/.local/share/...``); never the
    current folder, which is often someone's repository."""
    pictures = os.environ.get("XDG_PICTURES_DIR", "")
    if os.path.isabs(pictures):
        return Path(pictures) / "nnterm"
    return data_dir() / "screenshots"


def data_dir() -> Path:
    """nnterm's own data folder: ``$XDG_DATA_HOME/nnterm`` (default
    ``~/.local/share/nnterm``)."""
    data = os.environ.get("XDG_DATA_HOME", "")
    if not os.path.isabs(data):  # the XDG spec: relative paths are ignored
        data = str(Path.home() / ".local" / "share")
    return Path(data) / "nnterm"
