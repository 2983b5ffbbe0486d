"""What the runs' pictures are drawn from (``pictured``), and which commands leave them as
they were (``keeps_pictures``): the run loop draws the pictures anew after a command only
when these say they changed (a snapshot's decision boundaries were most of what it cost).
"""

from __future__ import annotations

from typing import Any

from nnterm.engine.live import run_commands as rc
from nnterm.engine.live.run_set import RunSet
from nnterm.engine.training import commands as cmd


def keeps_pictures(command: Any) -> bool:
    """Whether ``command`` leaves every picture of the runs as it was, unless it starts a
    run over (``pictured`` tells): a change of speed or of the run shown, or of settings
    (the learning rate, the batch size, the optimizer...) that act from the next step."""
    match command:
        case cmd.SetSpeed() | rc.SelectRun() | cmd.Set() | rc.SetEach():
            return True
        case rc.ToRuns(command=inner):
            return keeps_pictures(inner)
    return False


def pictured(runs: RunSet) -> list[tuple[object, ...]]:
    """What the runs' pictures are drawn from, but for the weights' values: each run's
    name, network and data (new objects when a run starts over), step and model
    settings (an activation changed in place)."""
    return [(t.run_name, t.net, t.dataset, t.step_count, t.config.model)
            for t in runs.trainers]
