"""What an exported script cannot express, refused in one line naming the setting.

Everything else of a run has a PyTorch counterpart (see ``torch_code``); these two do not
have one a student would recognise as the run they watched.
"""

from __future__ import annotations

from nnterm.engine.training.config import Config


class ExportError(ValueError):
    """A run the exporter cannot write as a PyTorch script: the message names the
    setting and why."""


def check_exportable(config: Config) -> None:
    """Raise ExportError naming the first setting of ``config`` a script cannot express."""
    if config.train.solver is not None:
        raise ExportError("train.solver (the last layer fitted in closed form, not by "
                          "gradient steps) cannot be exported as a PyTorch training loop")
    if config.data.fresh_batches and config.train.batch_size > 0:
        raise ExportError(f"data.fresh_batches (every batch drawn afresh from "
                          f"{config.data.name}'s distribution) cannot be exported: the "
                          "script trains on the arrays of its .npz")
