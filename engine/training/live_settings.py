"""Which edits a running Trainer takes at its next step, and which start the run over.

A declared hyperparameter says it itself (``Hyperparam.live``): each option of the
optimizer and schedule sections, ``model.leaky_slope``. Switching the optimizer or the
schedule (their ``name``) is live too: the Trainer builds the new one between two steps.
The other settings that are live are listed here; any setting not live (the data, the
architecture, an init, the seed) starts the run over with the new Config.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nnterm.engine.nn.activations import LEAKY_SLOPE
from nnterm.engine.nn.hyperparams import declared, shared_options
from nnterm.engine.nn.optimizers import OPTIMIZER_CLASSES, optimizer_class
from nnterm.engine.nn.schedules import SCHEDULE_CLASSES
from nnterm.engine.training.config import Config, config_diff, with_changes

#: Live settings that no class declares (a path also covers the paths under it).
_UNDECLARED = (
    "train.batch_size", "train.l1", "train.l2", "train.input_noise", "train.flips",
    "train.loss_scale", "train.clip_norm", "train.log_every", "train.steps",
    "train.early_stopping", "model.dropout", "model.activation",
)
#: The sections whose ``name`` picks a declared class, with the options they hold.
_SECTIONS = {"train.optimizer": shared_options(OPTIMIZER_CLASSES),
             "train.schedule": shared_options(SCHEDULE_CLASSES)}
_DECLARED = {"model.leaky_slope": LEAKY_SLOPE}
_OPTIMIZER = "train.optimizer."

#: Every setting a running Trainer takes at its next step without starting over.
LIVE_SETTINGS: tuple[str, ...] = (
    *_UNDECLARED,
    *(f"{section}.name" for section in _SECTIONS),
    *(f"{section}.{name}" for section, options in _SECTIONS.items()
      for name, option in options.items() if option.live),
    *(path for path, option in _DECLARED.items() if option.live),
)


def is_live(path: str) -> bool:
    """A running Trainer takes the setting at ``path`` at its next step."""
    return any(path == live or path.startswith(f"{live}.") for live in LIVE_SETTINGS)


def takes_live(config: Config, changes: Mapping[str, Any]) -> bool:
    """True if a Trainer running ``config`` takes all of ``changes`` (dotted paths and
    values, as ``with_changes``) at its next step; False if they start the run over.

    Judged on what they change: a setting given its own value is no change, and an
    optimizer option restarts nothing unless the optimizer that reads it carries on (a
    new optimizer starts from its options; one the optimizer does not read is ignored).
    So the optimizer key, which resets options the new optimizer does not read, is live."""
    try:
        new = with_changes(config, changes)
    except (KeyError, AttributeError, TypeError, ValueError):
        return False  # not a change a running trainer could take
    name = new.train.optimizer.name
    carries_on = config.train.optimizer.name == name
    reads = {param.name for param in declared(optimizer_class(name))}
    for path in config_diff(config, new):
        option = path.removeprefix(_OPTIMIZER)
        if path.startswith(_OPTIMIZER) and option != "name" and (
                not carries_on or option not in reads):
            continue
        if not is_live(path):
            return False
    return True
