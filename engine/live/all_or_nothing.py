"""Commands applied to runs all or nothing (a command to every run, a ``ToRuns``, a
``SetEach``): if one run refuses its command, no run keeps a Set it took."""

from __future__ import annotations

from typing import Any

from nnterm.engine.training import commands as cmd
from nnterm.engine.training.config import Config, get_path
from nnterm.engine.training.live_settings import takes_live
from nnterm.engine.training.trainer import Trainer


def apply_each(pairs: list[tuple[Trainer, Any]]) -> None:
    """Apply each (run, command); if one raises, the Sets taken before it (and its
    own half-taken one) are rolled back, so the runs never end up half-changed."""
    done: list[tuple[Trainer, Config, tuple[object, ...], Any]] = []
    for t, command in pairs:
        before, parts = t.config, (t.net, t.dataset, t.loss)
        try:
            t.apply(command)
        except Exception:
            for trainer, config, old_parts, applied in [*done, (t, before, parts, command)]:
                if isinstance(applied, cmd.Set) and trainer.config is not config:
                    _roll_back(trainer, config, old_parts, applied)
            raise
        done.append((t, before, parts, command))


def _roll_back(trainer: Trainer, before: Config, parts: tuple[object, ...],
               command: cmd.Set) -> None:
    """Undo a Set that raised halfway: ``Trainer.apply`` may have taken part of it (the
    new config, some optimizer attributes, a rebuilt dataset) before the bad value raised.
    ``parts`` are the trainer's (net, dataset, loss) from before."""
    live = takes_live(before, command.changes)
    if not live and (trainer.net, trainer.dataset, trainer.loss) == parts:
        trainer.config = before  # the rebuild failed before it replaced anything
        return
    try:  # put the old values back the way they came in
        trainer.apply(cmd.Set({p: get_path(before, p) for p in command.changes}))
    except Exception:
        trainer.config = before
