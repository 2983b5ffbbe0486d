"""A run of a live session written as PyTorch, with its weights as they are now
(``run_commands.ExportRun``): the engine's side of the app's export key."""

from __future__ import annotations

from nnterm.engine.export.exporter import RunExport, write_export
from nnterm.engine.export.refusals import ExportError
from nnterm.engine.live.run_commands import ExportRun
from nnterm.engine.training.safe_files import free_file_name
from nnterm.engine.training.trainer import Trainer

#: The files of an export: a name is free only if it is free for all of them.
EXPORT_SUFFIXES = (".py", ".ipynb", ".npz")


def export_run(trainer: Trainer, order: ExportRun) -> str:
    """Write ``trainer``'s run as ``order`` says, its weights, optimizer state and step
    taken now, between two steps (``RunExport.of_trainer``); returns what the status line
    says: the file and the step, or why nothing was written (a run a script cannot
    express, a folder that cannot be written)."""
    folder = order.folder
    try:
        export = RunExport.of_trainer(trainer, title=order.title, lesson=order.lesson,
                                      origin=order.origin)
        folder.mkdir(parents=True, exist_ok=True)
        stem = free_file_name(folder, order.stem, EXPORT_SUFFIXES)
        write_export(export, folder / f"{stem}.py", folder / f"{stem}.ipynb")
    except ExportError as err:
        return f"cannot export run {order.run}: {err}"
    except OSError as err:
        return f"cannot export in {folder}: {err.strerror or err}"
    return (f"exported {stem}.py (+ .ipynb, .npz) with the weights of step "
            f"{trainer.step_count} in {folder}")
