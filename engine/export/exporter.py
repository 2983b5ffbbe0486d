"""A run to its exported files: the script or notebook, and the ``.npz`` beside it.

``RunExport`` checks the run can be expressed (``refusals``), builds its dataset and
initial network as the Trainer does, and writes; ``RunExport.of_trainer`` exports a run
being trained as it stands, its current weights added (``current_weights``) for the
script to start from. ``write_export`` writes every file under a temporary name and
renames them only once all are written, so that an error leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import textwrap
from pathlib import Path

import numpy as np

from nnterm.engine.data import Dataset
from nnterm.engine.export.arrays import export_arrays, npz_bytes
from nnterm.engine.export.current_weights import StartPoint, current_arrays, start_point
from nnterm.engine.export.documents import notebook_json, script_text
from nnterm.engine.export.refusals import check_exportable
from nnterm.engine.export.torch_code import TorchScript
from nnterm.engine.training.building import build_dataset, build_network
from nnterm.engine.training.config import Config
from nnterm.engine.training.safe_files import AtomicWriter
from nnterm.engine.training.trainer import Trainer


class RunExport:
    """One run (``config``) ready to be written as PyTorch.

    ``title``, ``lesson``: the lesson's, for the header and the notebook; ``origin``: how
    it was exported, in words (``nnterm export xor --run linear``); ``exact``: random
    layers from nnterm's streams; ``dataset``: the run's (by default the one ``config``
    describes). Raises ExportError for a run a script cannot express.
    """

    def __init__(self, config: Config, *, title: str, lesson: str = "", origin: str = "",
                 exact: bool = False, dataset: Dataset | None = None) -> None:
        check_exportable(config)
        self.config, self.title, self.lesson = config, title, lesson
        self.origin, self.exact = origin, exact
        self.dataset = build_dataset(config) if dataset is None else dataset
        self.net = build_network(config, self.dataset)
        #: where the script may start instead of step 0, and the arrays that hold it
        self.start: StartPoint | None = None
        self.current: dict[str, np.ndarray] = {}

    @classmethod
    def of_trainer(cls, trainer: Trainer, *, title: str, lesson: str = "", origin: str = "",
                   exact: bool = False) -> RunExport:
        """``trainer``'s run as it stands: its settings and data now, and its weights and
        optimizer state now (copied at once, between two steps) for the script's
        ``--from-weights current``."""
        export = cls(trainer.config, title=title, lesson=lesson, origin=origin, exact=exact,
                     dataset=trainer.dataset)
        export.current = current_arrays(trainer, export._code("", notebook=False).linear_index)
        export.start = start_point(trainer)
        return export

    def _code(self, data_file: str, notebook: bool) -> TorchScript:
        return TorchScript(self.config, self.dataset, data_file=data_file, notebook=notebook,
                           exact=self.exact, start=self.start)

    def header(self, code: TorchScript) -> str:
        """What the script is and how far it matches the run."""
        lines = [f"{self.title}: nnterm's run in PyTorch.", ""]
        if self.origin:
            lines += [f"Exported with: {self.origin}", ""]
        lines += [f"It trains the network nnterm trained, on the same data ({code.data_file} "
                  "beside it), from the same initial weights, with the same batches, and "
                  "prints the losses nnterm records at the same steps."]
        if code.random_layers and not self.exact:
            lines[-1] += (" Dropout, input noise and flips use torch's random stream: the "
                          "curves agree in distribution, not to the digit (export with "
                          "--exact to draw them as nnterm does).")
        elif self.config.model.dtype == "float64":
            lines[-1] += " In float64 they agree to about 1e-9."
        lines[-1] += " It needs torch and numpy, nothing of nnterm."
        if self.start is not None:
            option = ('`FROM_WEIGHTS = "current"`' if code.notebook
                      else "`--from-weights current`")
            lines += ["", f"With {option} it starts instead from the weights nnterm had at "
                      f"step {self.start.step} (in the npz, with the optimizer's state then): "
                      "it prints their losses, then trains on from there as nnterm does."]
        return "\n".join(textwrap_lines(lines))

    def script(self, data_file: str) -> str:
        """The ``.py`` file, reading ``data_file`` from its own folder."""
        code = self._code(data_file, notebook=False)
        return script_text(self.header(code), code.parts())

    def notebook(self, data_file: str) -> str:
        """The ``.ipynb`` file (JSON), reading ``data_file`` from the current folder."""
        code = self._code(data_file, notebook=True)
        return notebook_json(self.title, self.lesson, self.header(code), code.parts())

    def arrays(self) -> bytes:
        """The ``.npz``: the data, the initial weights, and the current ones if any."""
        index = self._code("", notebook=False).linear_index
        return npz_bytes(export_arrays(self.dataset, self.net, index) | self.current)


def textwrap_lines(lines: list[str], width: int = 88) -> list[str]:
    """Each paragraph line wrapped to ``width``; blank lines kept."""
    out: list[str] = []
    for line in lines:
        out += textwrap.wrap(line, width) or [""]
    return out


def write_export(export: RunExport, script: Path | None = None,
                 notebook: Path | None = None) -> list[Path]:
    """Write the script and/or the notebook, each with its ``.npz`` (same name), all or
    none: every file goes to a temporary name first and is renamed once all are written.
    Returns the paths written. OSError (UnsafePath for a link) if one cannot be."""
    files: dict[Path, str | bytes] = {}
    arrays = export.arrays()
    for path, make in ((script, export.script), (notebook, export.notebook)):
        if path is not None:
            data = path.with_suffix(".npz")
            files[path] = make(data.name)
            files[data] = arrays
    writers: list[AtomicWriter] = []
    try:
        for path, content in files.items():
            writer = AtomicWriter(path, binary=isinstance(content, bytes))
            writers.append(writer)
            writer.write(content)
        for writer in writers:
            writer.commit()
    finally:
        for writer in writers:
            with contextlib.suppress(OSError):
                writer.discard()
    return list(files)
