"""Run a preset: its base run, every ``compare`` variant and every point of its sweep.

``run_preset(preset)`` trains each run headless and returns an ``ExperimentResult`` that
keeps, per run (and per sweep point), the full record history, the final record, how the
run ended, its diagnoses, its size, its time and the dataset's baselines. Claims
(``claims.check.check_claims``) and lessons read it through ``records``/``final``/``points``.

Runs whose data settings and seed are equal share one Dataset object, so variants train
on exactly the same examples. Run labels name a variant and, for a sweep, the point:
``base``, ``dropout``, ``base[model.hidden=[50]]``,
``base[model.hidden=[50], data.n_train=200]``.

``seed`` and ``steps`` given to ``run_preset`` replace the base Config's ``seed`` and
``train.steps`` before the variants' overrides apply (a variant that sets its own seed or
steps keeps them).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from nnterm.engine.data import Dataset, bigram_baseline
from nnterm.engine.preset_format.preset import Preset, run_configs
from nnterm.engine.preset_format.values import format_point, normalize, run_label
from nnterm.engine.training.building import build_dataset
from nnterm.engine.training.config import Config
from nnterm.engine.training.telemetry import StepRecord
from nnterm.engine.training.trainer import Trainer

OnRecord = Callable[[str, StepRecord], None]
OnRunStart = Callable[[str, int], None]


class ResultLookupError(LookupError):
    """A run or sweep point that the result does not hold; the message says what exists."""

    def __str__(self) -> str:  # LookupError would quote the message like a key
        return str(self.args[0]) if self.args else ""


# ---------------------------------------------------------------------- data
def dataset_baselines(dataset: Dataset) -> dict[str, float]:
    """Reference scores a dataset offers, such as ``{"bigram": 2.35}`` (validation loss of
    a simple model): ``meta["baselines"]`` if present, else the bigram model for ``names``."""
    if "baselines" in dataset.meta:
        return dict(dataset.meta["baselines"])
    if dataset.name == "names":
        return {"bigram": bigram_baseline(dataset)}
    return {}


# ---------------------------------------------------------------------- results
@dataclass
class RunResult:
    """One trained run: a variant (``name``) at one sweep ``point`` (empty without a sweep).

    ``records`` is the run's kept history (every logged step unless the run outgrew the
    Trainer's bounded history), always ending with the final record; ``status`` is
    ``finished``, ``diverged`` or ``early stopped``."""

    name: str
    point: dict[str, Any]
    config: Config
    records: list[StepRecord]
    status: str
    stop_reason: str = ""
    diagnoses: tuple[Any, ...] = ()  # diagnostics.Diagnosis(name, step, message)
    n_params: int = 0
    seconds: float = 0.0
    baselines: dict[str, float] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return run_label(self.name, self.point)

    @property
    def final(self) -> StepRecord:
        """The last record (the state the run ended in)."""
        return self.records[-1]

    @property
    def diagnosis_names(self) -> tuple[str, ...]:
        return tuple(d.name for d in self.diagnoses)


@dataclass
class ExperimentResult:
    """Every run of a preset: ``runs[name]`` lists its RunResults, one per sweep point (a
    single one, with an empty point, without a sweep). Lookups raise ResultLookupError
    with a message naming what exists."""

    preset: str
    seed: int
    runs: dict[str, list[RunResult]]
    swept: tuple[str, ...] = ()  # the sweep's paths, in order

    @property
    def run_names(self) -> tuple[str, ...]:
        return tuple(self.runs)

    def __iter__(self) -> Iterator[RunResult]:
        """Every RunResult, in the order they ran."""
        for results in self.runs.values():
            yield from results

    def points(self, run: str) -> list[tuple[dict[str, Any], RunResult]]:
        """``(point, RunResult)`` for each sweep point of ``run`` (one ``({}, r)`` without
        a sweep)."""
        return [(r.point, r) for r in self._results(run)]

    def get(self, run: str, point: Mapping[str, Any] | None = None) -> RunResult:
        """The RunResult of ``run`` at ``point``. Without a point, the run must have a single
        point; a point may leave out swept paths as long as it matches exactly one point."""
        results = self._results(run)
        if not point:
            if len(results) == 1:
                return results[0]
            raise ResultLookupError(
                f"run {run!r} is a sweep of {len(results)} points: name a point "
                f"(swept: {', '.join(self.swept)})"
            )
        unknown = [p for p in point if p not in results[0].point]
        if unknown:
            swept = ", ".join(results[0].point) or "nothing"
            raise ResultLookupError(
                f"{', '.join(unknown)} is not swept in run {run!r} (swept: {swept})"
            )
        wanted = {p: normalize(v) for p, v in point.items()}
        found = [r for r in results
                 if all(normalize(r.point[p]) == v for p, v in wanted.items())]
        if len(found) == 1:
            return found[0]
        if not found:
            have = "; ".join(format_point(r.point) for r in results)
            raise ResultLookupError(
                f"run {run!r} has no point {format_point(point)} (points: {have})"
            )
        raise ResultLookupError(
            f"point {format_point(point)} matches {len(found)} points of run {run!r}: "
            f"name every swept setting ({', '.join(self.swept)})"
        )

    def records(self, run: str, point: Mapping[str, Any] | None = None) -> list[StepRecord]:
        return self.get(run, point).records

    def final(self, run: str, point: Mapping[str, Any] | None = None) -> StepRecord:
        return self.get(run, point).final

    def baselines(self, run: str = "base") -> dict[str, float]:
        """The baselines of the dataset ``run`` trained on (its first point's)."""
        return self._results(run)[0].baselines

    def _results(self, run: str) -> list[RunResult]:
        if run not in self.runs or not self.runs[run]:
            raise ResultLookupError(
                f"no run named {run!r} (runs: {', '.join(self.runs) or 'none'})"
            )
        return self.runs[run]


# ---------------------------------------------------------------------- running
class DataCache:
    """One Dataset (and its baselines) per distinct (data settings, seed)."""

    def __init__(self) -> None:
        self._entries: list[tuple[Any, int, Dataset, dict[str, float]]] = []

    def get(self, config: Config) -> tuple[Dataset, dict[str, float]]:
        for data, seed, dataset, baselines in self._entries:
            if data == config.data and seed == config.seed:
                return dataset, baselines
        dataset = build_dataset(config)
        baselines = dataset_baselines(dataset)
        self._entries.append((config.data, config.seed, dataset, baselines))
        return dataset, baselines


@dataclass(frozen=True)
class PointJob:
    """One run to train: variant ``name`` at sweep ``point`` ({} without a sweep)."""

    name: str
    point: dict[str, Any]
    config: Config

    @property
    def label(self) -> str:
        return run_label(self.name, self.point)


class Cancelled(Exception):
    """A job was told to stop before it finished."""


#: A job looks at its stop flag and reports progress about this often (seconds).
CHUNK_SECONDS = 0.1


def train_point(
    job: PointJob,
    data: DataCache,
    *,
    on_record: Callable[[StepRecord], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    on_chunk: Callable[[Trainer, StepRecord], None] | None = None,
) -> RunResult:
    """Train ``job`` to its end and return its RunResult with every record, step 0 on.

    ``on_record`` sees each record as it is made. The steps go in chunks of about
    ``CHUNK_SECONDS``; after each, ``on_chunk(trainer, latest record)`` is called and,
    if ``should_stop()``, ``Cancelled`` is raised. Chunking changes nothing in the
    result: the steps are the same."""
    dataset, baselines = data.get(job.config)
    records: list[StepRecord] = []

    def keep(record: StepRecord) -> None:
        records.append(record)
        if on_record is not None:
            on_record(record)

    start = time.perf_counter()
    trainer = Trainer(job.config, run_name=job.label, dataset=dataset)
    chunk = 1
    while not trainer.done:
        if should_stop is not None and should_stop():
            raise Cancelled(job.label)
        began = time.perf_counter()
        trainer.run(steps=chunk, on_record=keep)
        if on_chunk is not None:
            on_chunk(trainer, records[-1])
        chunk = _next_chunk(chunk, time.perf_counter() - began)
    return RunResult(
        name=job.name, point=dict(job.point), config=job.config, records=records,
        status=trainer.status, stop_reason=trainer.stop_reason,
        diagnoses=tuple(trainer.diagnoses), n_params=trainer.net.n_params,
        seconds=time.perf_counter() - start, baselines=baselines,
    )


def _next_chunk(chunk: int, took: float) -> int:
    """Steps in the next chunk: twice as many until a chunk takes about
    ``CHUNK_SECONDS``, fewer if it took longer."""
    if took <= 0:
        return chunk * 2
    return max(1, min(chunk * 2, int(chunk * CHUNK_SECONDS / took)))


class JobRunner(Protocol):
    """Runs jobs somewhere (``pool.PointPool``): yields ``(index, RunResult)`` as each
    job finishes, in any order."""

    def run(self, jobs: list[PointJob]) -> Iterator[tuple[int, RunResult]]: ...


def preset_jobs(preset: Preset, *, seed: int | None = None, steps: int | None = None
                ) -> list[PointJob]:
    """Every run of ``preset`` as a job, in the preset's order."""
    return [PointJob(name, dict(point), config)
            for name, point, config in run_configs(preset, seed=seed, steps=steps)]


def collect(preset: Preset, results: list[RunResult], seed: int | None = None
            ) -> ExperimentResult:
    """The ExperimentResult of ``results`` (given in the preset's job order)."""
    runs: dict[str, list[RunResult]] = {name: [] for name in preset.run_names}
    for result in results:
        runs[result.name].append(result)
    base_seed = preset.config.seed if seed is None else seed
    swept = tuple(preset.sweep.params) if preset.sweep is not None else ()
    return ExperimentResult(preset=preset.name, seed=base_seed, runs=runs, swept=swept)


def run_preset(
    preset: Preset,
    *,
    seed: int | None = None,
    steps: int | None = None,
    on_record: OnRecord | None = None,
    on_run_start: OnRunStart | None = None,
    pool: JobRunner | None = None,
    on_result: Callable[[RunResult], None] | None = None,
) -> ExperimentResult:
    """Train every run of ``preset`` (base, variants, sweep points) and collect the results.

    In this process, one run after another, unless a ``pool`` is given: then every run
    is a job of the pool, and ``on_result(result)`` is called as each finishes (in any
    order). In this process, ``on_run_start(label, total_steps)`` is called before each
    run and ``on_record(label, record)`` for each of its StepRecords (step 0 included).
    The result is the same either way.
    """
    jobs = preset_jobs(preset, seed=seed, steps=steps)
    results: list[RunResult | None] = [None] * len(jobs)
    if pool is not None:
        for index, result in pool.run(jobs):
            results[index] = result
            if on_result is not None:
                on_result(result)
    else:
        cache = DataCache()
        for index, job in enumerate(jobs):
            if on_run_start is not None:
                on_run_start(job.label, job.config.train.steps)
            callback = None if on_record is None else (
                lambda r, _label=job.label: on_record(_label, r))
            results[index] = train_point(job, cache, on_record=callback)
    return collect(preset, [r for r in results if r is not None], seed)
