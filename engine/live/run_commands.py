"""Controls of a live session that runs several trainers in lockstep (see ``run_set``).

Plain picklable dataclasses, like ``training.commands``: the UI sends them down the same
pipe. A bare ``training.commands`` command goes to every run; ``ToRuns`` addresses some.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ToRuns:
    """Apply ``command`` (a ``training.commands`` command) to the runs named in ``runs``."""

    command: Any
    runs: tuple[str, ...]


@dataclass(frozen=True)
class SelectRun:
    """Show ``run`` in detail: its layers, gradients, weights and boundary."""

    run: str


@dataclass(frozen=True)
class DuplicateRun:
    """Copy ``run`` as it is now (weights, optimizer state, step, history) into a new run
    named ``name``, which then trains beside it: "what if I change just this?"."""

    run: str
    name: str


@dataclass(frozen=True)
class RemoveRun:
    """Stop and drop ``run`` (the last run cannot be removed)."""

    run: str


RunCommand = ToRuns | SelectRun | DuplicateRun | RemoveRun
