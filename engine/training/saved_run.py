"""A run as it stands, taken between two steps, to go on from elsewhere: another app, on
another screen ("a copy of the teacher's run, to try things on").

``SavedRun`` holds what the next steps depend on: the parameters, the optimizer's buffers
and its count of steps, the step and the examples seen, and the state of every random
stream a step draws from (batches with the sampler's place in its epoch, fresh batches,
dropout, input noise, flips); and whether the run was paused. A Trainer built from the
same Config and given it (``restore``) takes the very steps the original takes next, bit
for bit. The records do not travel: the copy's curves start at the step it was taken at,
and early stopping measures from there.

On disk (``write_saved_run``, ``read_saved_run``) it is an ``.npz`` read without pickle:
the arrays, the streams as JSON text, and the lesson as preset YAML text (its one run
the run copied), so that the file alone opens the copy.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

import numpy as np

from nnterm.engine.training.safe_files import write_atomic
from nnterm.engine.training.trainer import Trainer

#: The format of the file, written in it: a reader refuses another.
FORMAT = "nnterm saved run 1"


class SavedRunError(ValueError):
    """A saved run that cannot be read or does not fit the run; ``str`` says why."""


@dataclass(frozen=True)
class SavedRun:
    """A run between two steps (see the module docstring)."""

    step: int
    examples_seen: int
    params: tuple[np.ndarray, ...]
    optimizer_steps: int
    optimizer: Mapping[str, np.ndarray]  # the optimizer's flat buffers, by name
    streams: Mapping[str, Any]  # each random stream's bit generator state
    order: np.ndarray  # the batch sampler's epoch: its order, start and count
    start: int
    epoch: int
    paused: bool = False


def save(trainer: Trainer) -> SavedRun:
    """``trainer`` now, copied (it trains on unchanged)."""
    order, start, epoch = trainer.batches.position()
    optimizer = trainer.optimizer
    return SavedRun(
        trainer.step_count, trainer.examples_seen, tuple(trainer.net.get_state()),
        optimizer.t, {k: v.copy() for k, v in optimizer.state.items()},
        {name: rng.bit_generator.state for name, rng in trainer.random_streams().items()},
        order.copy(), start, epoch, trainer.paused)


def restore(trainer: Trainer, saved: SavedRun) -> None:
    """Make ``trainer`` (a run of the saved run's Config) go on from ``saved``; raises
    SavedRunError, changing nothing, if the network or the data do not fit."""
    shapes = [p.shape for p in trainer.net.params]
    if [p.shape for p in saved.params] != shapes:
        raise SavedRunError(f"the saved network has parameters of shapes "
                            f"{[p.shape for p in saved.params]}, this run {shapes}")
    size = sum(p.size for j, p in enumerate(trainer.net.params)
               if j in trainer.net.trainable_indices)
    if any(buffer.shape != (size,) for buffer in saved.optimizer.values()):
        raise SavedRunError("the saved optimizer's buffers do not fit this run's parameters")
    if set(saved.streams) != set(trainer.random_streams()):
        raise SavedRunError(f"the saved random streams are {sorted(saved.streams)}")
    try:
        trainer.batches.go_to(saved.order, saved.start, saved.epoch)
        for name, rng in trainer.random_streams().items():
            rng.bit_generator.state = dict(saved.streams[name])
    except (ValueError, TypeError, KeyError) as err:
        raise SavedRunError(f"the saved batches or random streams do not fit: {err}") from None
    trainer.net.set_state(saved.params)
    optimizer = trainer.optimizer
    optimizer.reset_state()
    optimizer.state = {k: v.astype(trainer.net.dtype) for k, v in saved.optimizer.items()}
    optimizer.t = saved.optimizer_steps
    trainer.resume_at(saved.step, saved.examples_seen)
    trainer.paused = saved.paused


def write_saved_run(path: Path, saved: SavedRun, preset: str) -> None:
    """Write ``saved`` and ``preset`` (the lesson's YAML text) to ``path``, whole or not
    at all (a reader never sees half a file)."""
    arrays: dict[str, np.ndarray] = {
        "format": np.array(FORMAT), "preset": np.array(preset),
        "streams": np.array(json.dumps(saved.streams)),
        "counts": np.array([saved.step, saved.examples_seen, saved.optimizer_steps,
                            saved.start, saved.epoch, saved.paused], np.int64),
        "order": saved.order,
    }
    arrays |= {f"param.{i}": p for i, p in enumerate(saved.params)}
    arrays |= {f"optimizer.{k}": v for k, v in saved.optimizer.items()}
    buffer = BytesIO()
    np.savez(buffer, **arrays)  # type: ignore[arg-type]
    write_atomic(path, buffer.getvalue())


def read_saved_run(path: Path) -> tuple[str, SavedRun]:
    """The preset text and the run saved in ``path``; SavedRunError says what is wrong
    with a file that is not one (never unpickles anything)."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
    except FileNotFoundError:
        raise SavedRunError(f"{str(path)!r} does not exist") from None
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as err:
        raise SavedRunError(f"{str(path)!r} is not a saved run ({err})") from None
    if arrays.get("format", np.array("")).tolist() != FORMAT:
        raise SavedRunError(f"{str(path)!r} is not a saved run of this nnterm (allowed: a "
                            f"file written by serve --watch's copy key, {FORMAT!r})")
    try:
        step, seen, optimizer_steps, start, epoch, paused = (int(n) for n in arrays["counts"])
        params = tuple(arrays[f"param.{i}"] for i in range(
            sum(name.startswith("param.") for name in arrays)))
        saved = SavedRun(step, seen, params, optimizer_steps,
                         {k.removeprefix("optimizer."): v for k, v in arrays.items()
                          if k.startswith("optimizer.")},
                         json.loads(str(arrays["streams"])), arrays["order"], start, epoch,
                         bool(paused))
        return str(arrays["preset"]), saved
    except (KeyError, ValueError, TypeError) as err:
        raise SavedRunError(f"{str(path)!r} is a saved run with a part missing or "
                            f"damaged: {err}") from None
