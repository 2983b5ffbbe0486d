"""Controls of a live session that runs several trainers in lockstep (see ``run_set``).

Plain picklable dataclasses, like ``training.commands``: the UI sends them down the same
pipe. A bare ``training.commands`` command goes to every run; ``ToRuns`` addresses some.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
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


@dataclass(frozen=True)
class ExportRun:
    """Write ``run`` as it stands as a PyTorch script and notebook in ``folder``, named
    ``stem`` (``stem_2``... if taken: ``.py``, ``.ipynb`` and an ``.npz`` that holds,
    besides the data and the initial weights, the run's weights and optimizer state now,
    for the script's ``--from-weights current``; ``live.run_export``). The snapshot's
    message names the files. ``title``, ``lesson``, ``origin``: the lesson's title and
    text and how it was exported, for the files.

    The engine writes the files rather than sending the weights to the UI: they live
    only here (a snapshot carries pictures of them, never the optimizer's moments), so
    the copy is taken between two steps, weights, moments and step agreeing, and the UI
    needs no second kind of answer for one key. The free name is chosen where the files
    are written, so two quick presses make two exports, never one written twice."""

    run: str
    folder: Path
    stem: str
    title: str
    lesson: str = ""
    origin: str = ""


@dataclass(frozen=True)
class SaveRun:
    """Write ``run`` as it stands (``training.saved_run``: weights, optimizer state,
    step and random streams) to ``path``, with ``preset``, the YAML text of a lesson whose
    base run is this run's Config: everything another app needs to go on from here."""

    run: str
    path: Path
    preset: str


@dataclass(frozen=True)
class ResumeRun:
    """Make ``run`` go on from ``saved`` (a ``training.saved_run.SavedRun`` of a run of
    the same Config), as if it had trained there: its next steps are the saved run's."""

    run: str
    saved: Any


RunCommand = (ToRuns | SetEach | SelectRun | DuplicateRun | RemoveRun | WatchClaims
              | WatchNetwork | ExplainSteps | ExportRun | SaveRun | ResumeRun)

#: Whatever a UI sends a live session: a trainer's command (for every run), the session's
#: own (speed, stop) or a command about the runs.
LiveCommand = Command | SessionCommand | RunCommand
