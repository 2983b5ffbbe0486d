"""Controls of a live session that runs several trainers in lockstep (see ``run_set``).

Plain picklable dataclasses, like ``training.commands``: the UI sends them down the same
pipe. A bare ``training.commands`` command goes to every run; ``ToRuns`` addresses some.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from nnterm.engine.training.commands import Command, SessionCommand


@dataclass(frozen=True)
class ToRuns:
    """Apply ``command`` (a ``training.commands`` command) to the runs named in ``runs``."""

    command: Any
    runs: tuple[str, ...]


@dataclass(frozen=True)
class SetEach:
    """Change each named run's settings by its own dotted-path changes, e.g. every run's
    learning rate one step up from its own value: ``{"base": {"train.optimizer.lr": 0.3},
    "fast": {"train.optimizer.lr": 1.0}}``. All or nothing: if one run refuses its
    changes, no run keeps any."""

    changes: Mapping[str, Mapping[str, Any]]


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


@dataclass(frozen=True)
class WatchClaims:
    """Judge these claims (``preset_format.preset`` claims, a guided lesson's steps) on the runs
    at every snapshot, into ``Snapshot.claims`` (``live.claim_watch``); () stops."""

    claims: tuple[Any, ...]


@dataclass(frozen=True)
class WatchNetwork:
    """Put the selected run's network view (``live.network_view``) in every snapshot, with
    training example ``point`` chosen; None stops (it costs a forward and backward pass of
    the probe set a frame, so only a UI that shows it asks)."""

    point: int | None


@dataclass(frozen=True)
class ExplainSteps:
    """Keep every run's last step as taken and put the selected run's, explained
    (``live.backprop_view``), in every snapshot (``on``), or stop."""

    on: bool


RunCommand = (ToRuns | SetEach | SelectRun | DuplicateRun | RemoveRun | WatchClaims
              | WatchNetwork | ExplainSteps)

#: Whatever a UI sends a live session: a trainer's command (for every run), the session's
#: own (speed, stop) or a command about the runs.
LiveCommand = Command | SessionCommand | RunCommand
