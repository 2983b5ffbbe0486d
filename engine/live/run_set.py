"""Several runs of one lesson trained side by side, in lockstep.

A RunSet holds the Trainers of a preset's base run and its ``compare`` variants (and any
run the user duplicated). ``tick()`` takes one step of every run that is neither paused
nor done, in order, so that at any moment the runs have taken the same number of steps
unless one was paused, finished or diverged; runs built by ``build_run_set`` from equal data
settings and seed share one Dataset, so they see the same examples and the same batches.

One run is *selected*: the snapshot shows it in detail. Commands go to every run, or to
some (``run_commands.ToRuns``). Each run keeps the colour it was given when it was
created (its creation number), so removing a run does not recolour the others.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

from nnterm.engine.experiments.experiment import DataCache
from nnterm.engine.live.landscape import PathRecorder
from nnterm.engine.training import commands as cmd
from nnterm.engine.training.config import Config
from nnterm.engine.training.trainer import Trainer

#: At most this many runs train at once (the colours and the run table are sized for it).
MAX_RUNS = 8


class RunSet:
    """Named Trainers in order; the first is the base the others are compared with."""

    def __init__(self, trainers: Sequence[Trainer],
                 baselines: dict[str, float] | None = None) -> None:
        """``baselines``: reference scores of the base run's data, such as ``{"bigram":
        2.35}`` (``experiment.dataset_baselines``), drawn as levels on the loss plot."""
        if not trainers:
            raise ValueError("a run set needs at least one run")
        names = [t.run_name for t in trainers]
        if len(set(names)) != len(names):
            raise ValueError(f"run names must differ: {', '.join(names)}")
        self._trainers: dict[str, Trainer] = {t.run_name: t for t in trainers}
        self._colours = {name: i for i, name in enumerate(names)}
        self._created = len(names)
        self.selected = names[0]
        self.baselines = dict(baselines or {})
        self.paths = PathRecorder()  # (w1, w2) after every step, for two-weight models
        for trainer in trainers:
            self.paths.record(trainer)

    # ------------------------------------------------------------------ reading
    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._trainers)

    @property
    def trainers(self) -> tuple[Trainer, ...]:
        return tuple(self._trainers.values())

    @property
    def base(self) -> Trainer:
        """The first run: what the others are compared with."""
        return next(iter(self._trainers.values()))

    def __getitem__(self, name: str) -> Trainer:
        try:
            return self._trainers[name]
        except KeyError:
            raise KeyError(f"no run named {name!r} (runs: {', '.join(self.names)})") from None

    def colour(self, name: str) -> int:
        """The run's colour number: its place in the order runs were created."""
        return self._colours[name]

    @property
    def idle(self) -> bool:
        """True when no run would take a step (each is paused or done)."""
        return not any(t.would_step for t in self.trainers)

    @property
    def stepping_on_request(self) -> bool:
        """True when the only steps due are those a ``StepOnce`` asked for (every run that
        would step is paused): they are taken at once, not at the lesson's pace."""
        stepping = [t for t in self.trainers if t.would_step]
        return bool(stepping) and all(t.paused for t in stepping)

    # ------------------------------------------------------------------ stepping
    def tick(self) -> tuple[list[Trainer], list[tuple[Trainer, Exception]]]:
        """One step of every run that may step. Returns the runs that stepped and those
        whose step raised (each error pauses only its own run)."""
        stepped, failed = [], []
        for trainer in self.trainers:
            try:
                if trainer.tick():
                    stepped.append(trainer)
                    self.paths.record(trainer)
            except Exception as exc:
                trainer.apply(cmd.Pause())
                failed.append((trainer, exc))
        return stepped, failed

    # ------------------------------------------------------------------ changing
    def targets(self, runs: Sequence[str] | None) -> list[Trainer]:
        """The named runs (every run for None), in the set's order."""
        if runs is None:
            return list(self.trainers)
        wanted = [self[name] for name in runs]  # unknown names raise, naming the runs
        return [t for t in self.trainers if t in wanted]

    def select(self, name: str) -> None:
        self[name]  # noqa: B018 - raises for an unknown run
        self.selected = name

    def duplicate(self, name: str, new_name: str) -> Trainer:
        """A copy of run ``name`` as it is now, trained on from here under ``new_name``;
        it shares the original's dataset (the data never changes under a run)."""
        if len(self._trainers) >= MAX_RUNS:
            raise ValueError(f"at most {MAX_RUNS} runs at once: remove one first")
        if new_name in self._trainers:
            raise ValueError(f"there is already a run named {new_name!r}")
        source = self[name]
        clone = copy.deepcopy(source, memo={id(source.dataset): source.dataset})
        clone.run_name = new_name
        self._trainers[new_name] = clone
        self.paths.copy(name, new_name)
        self._colours[new_name] = self._created
        self._created += 1
        self.selected = new_name
        return clone

    def remove(self, name: str) -> None:
        """Drop run ``name``; the selection moves to its neighbour."""
        self[name]  # noqa: B018 - raises for an unknown run
        if len(self._trainers) == 1:
            raise ValueError("the last run cannot be removed")
        order = list(self._trainers)
        at = order.index(name)
        del self._trainers[name]
        self.paths.forget(name)
        if self.selected == name:
            self.selected = order[at + 1] if at + 1 < len(order) else order[at - 1]


def build_run_set(runs: Sequence[tuple[str, Config]]) -> RunSet:
    """Trainers for ``(name, Config)`` pairs; runs with equal data settings and seed share
    one Dataset object."""
    cache = DataCache()
    trainers = [Trainer(config, run_name=name, dataset=cache.get(config)[0])
                for name, config in runs]
    return RunSet(trainers, baselines=cache.get(runs[0][1])[1])


def free_name(taken: Sequence[str], stem: str) -> str:
    """``stem`` or ``stem 2``, ``stem 3``, ... whichever is not in ``taken``: the name of
    a copied run."""
    name, n = stem, 1
    while name in taken:
        n += 1
        name = f"{stem} {n}"
    return name


def describe_runs(trainers: Sequence[Trainer]) -> str:
    """``base, tanh and relu``: run names for a message."""
    names = [t.run_name for t in trainers]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
