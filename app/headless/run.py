"""``nnterm run``: train a preset's runs headless, with a progress bar, and summarise them.

With one worker the runs train here, one after another; with more (the default: one per
core) or a cluster executor, every run (each variant at each sweep point) is a job of a
``PointPool``, and the metrics file is written in the preset's order all the same, so it
is identical whatever ran it. On a terminal a rich progress bar per run shows its state
(queued, running, done, diverged), steps/s and losses; otherwise (a pipe, a log file, CI)
plain lines report each run's start, progress and end. A preset with a sweep ends with
its summary curve, drawn in the terminal and, with ``--plot``, saved as SVG.
"""

from __future__ import annotations

import contextlib
import math
import os
import time
from collections.abc import Callable
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from nnterm.app.headless.console import headless_console, print_table
from nnterm.app.sweep_chart import chart_text, save_svg
from nnterm.engine.experiments.executors import open_pool
from nnterm.engine.experiments.experiment import (
    ExperimentResult,
    PointJob,
    RunResult,
    collect,
    preset_jobs,
    run_preset,
)
from nnterm.engine.experiments.pool import PointPool
from nnterm.engine.experiments.pool import Progress as PoolProgress
from nnterm.engine.experiments.sweep_summary import summarize
from nnterm.engine.preset_format.loader import PresetError, load_preset
from nnterm.engine.process.worker_server import cores
from nnterm.engine.training.causes import folded
from nnterm.engine.training.metrics_io import MetricsWriter
from nnterm.engine.training.telemetry import StepRecord


def fmt(x: float | None) -> str:
    """A number for a table cell: ``-`` for missing, ``nan`` kept visible."""
    if x is None:
        return "-"
    return "nan" if math.isnan(x) else f"{x:.4g}"


def fmt_percent(x: float | None) -> str:
    """An accuracy for a table cell, as the app shows it: 1 is ``100%``, 0.5 ``50%``."""
    if x is None:
        return "-"
    return "nan" if math.isnan(x) else f"{100 * x:.4g}%"


class RunReporter:
    """Shows progress for each run: a rich bar on a terminal, plain lines elsewhere."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.live = console.is_terminal
        self.progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[rate]:>8} steps/s"), TextColumn("{task.fields[losses]}"),
            TimeElapsedColumn(), console=console, disable=not self.live,
        )
        self._task: TaskID | None = None
        self._total = 1
        self._started = 0.0
        self._next_line = 0

    def __enter__(self) -> RunReporter:
        self.progress.__enter__()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.progress.__exit__(kind, error, traceback)

    def start(self, label: str, total: int) -> None:
        self._total, self._started, self._next_line = total, time.perf_counter(), 0
        self._task = self.progress.add_task(label, total=total, rate="", losses="")
        if not self.live:
            self.console.print(f"{label}: {total} steps")

    def record(self, label: str, record: StepRecord) -> None:
        elapsed = time.perf_counter() - self._started
        rate = f"{record.step / elapsed:,.0f}" if elapsed > 0 and record.step else ""
        losses = f"train {fmt(record.train_loss)}  val {fmt(record.val_loss)}"
        assert self._task is not None, "start() comes first"
        self.progress.update(self._task, completed=record.step, rate=rate, losses=losses)
        if not self.live and record.step >= self._next_line:
            self.console.print(f"{label}: step {record.step}/{self._total}  {losses}")
            self._next_line = record.step + max(1, self._total // 10)


class PointReporter:
    """Progress of jobs in a pool: a rich bar per run (queued until a worker reports
    on it), or plain lines as each run starts and ends."""

    def __init__(self, console: Console, jobs: list[PointJob], where: str) -> None:
        self.console = console
        self.live = console.is_terminal
        self.progress = Progress(
            TextColumn("{task.description}"), TextColumn("{task.fields[state]:<9}"),
            BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[losses]}"),
            console=console, disable=not self.live,
        )
        self.tasks = {job.label: self.progress.add_task(job.label, total=job.config.train.steps,
                                                        state="queued", losses="")
                      for job in jobs}
        self.started: set[str] = set()
        if not self.live:
            console.print(f"{len(jobs)} runs on {where}")

    def __enter__(self) -> PointReporter:
        self.progress.__enter__()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.progress.__exit__(kind, error, traceback)

    def update(self, reports: list[PoolProgress]) -> None:
        for r in reports:
            losses = f"train {fmt(r.train_loss)}  val {fmt(r.val_loss)}"
            self.progress.update(self.tasks[r.label], completed=r.step, state="running",
                                 losses=losses)
            if not self.live and r.label not in self.started:
                self.console.print(f"{r.label}: running")
            self.started.add(r.label)

    def finished(self, run: RunResult) -> None:
        last = run.final
        losses = f"train {fmt(last.train_loss)}  val {fmt(last.val_loss)}"
        state = "diverged" if run.status == "diverged" else "done"
        self.progress.update(self.tasks[run.label], completed=last.step, state=state,
                             losses=losses)
        if not self.live:
            self.console.print(f"{run.label}: {run.status} at step {last.step}  {losses} "
                               f"({run.seconds:.1f} s)")


def summary_table(result: ExperimentResult) -> Table:
    table = Table(title=f"{result.preset} (seed {result.seed})")
    for column in ("run", "step", "train loss", "val loss", "train acc", "val acc", "status",
                   "diagnoses", "seconds"):
        table.add_column(column, justify="left" if column in ("run", "status", "diagnoses")
                         else "right")
    for run in result:
        last = run.final
        table.add_row(run.label, str(last.step), fmt(last.train_loss), fmt(last.val_loss),
                      fmt_percent(last.train_acc), fmt_percent(last.val_acc), run.status,
                      ", ".join(folded(run.diagnoses)) or "-", f"{run.seconds:.1f}")
    return table


def run_command(source: str, *, steps: int | None, seed: int | None, sets: list[str],
                metrics: str | None, workers: int | None = 1, executor: str = "local",
                scheduler: str | None = None, plot: str | None = None) -> int:
    if steps is not None and steps < 1:
        raise PresetError(f"{steps} is not allowed", key="--steps", allowed="an integer >= 1")
    if seed is not None and seed < 0:
        raise PresetError(f"{seed} is not allowed", key="--seed", allowed="an integer >= 0")
    check_pool_options(workers, executor, scheduler)
    preset = load_preset(source, sets)
    if plot is not None and preset.sweep is None:
        raise PresetError(f"{preset.name} has no sweep to plot", key="--plot")
    if plot is not None and not plot.endswith(".svg"):
        raise PresetError(f"{plot!r} is not allowed", key="--plot", allowed="a file name ending "
                          "in .svg")
    for key, output in (("--metrics", metrics), ("--plot", plot)):
        if output is not None and _same_file(output, preset.source):
            raise PresetError(f"{output} is the preset being run: it would be overwritten",
                              key=key, allowed="another file name")
    console = headless_console()
    writer = MetricsWriter(metrics) if metrics else contextlib.nullcontext()
    try:
        with writer as out:
            if executor == "local" and (workers or cores()) == 1:
                result = _run_here(preset, console, out, seed=seed, steps=steps)
            else:
                result = _run_in_pool(preset, console, out,
                                      lambda: open_pool(executor, workers, scheduler),
                                      seed=seed, steps=steps)
            if out is not None:
                for run in result:
                    out.summary(run.label, run_summary(run))
    except OSError as err:
        raise PresetError(f"cannot write {metrics}: {err.strerror}", key="--metrics") from None
    print_table(console, summary_table(result))
    for run in result:
        for d in run.diagnoses:
            console.print(f"[bold]{run.label}[/] step {d.step}: {d.name}: {d.message}")
        if run.stop_reason:
            console.print(f"[bold]{run.label}[/] stopped: {run.stop_reason}")
    if preset.sweep is not None:
        summary = summarize(preset, list(result))
        console.print(chart_text(summary, width=min(console.width, 110), height=24))
        if plot is not None:
            try:
                save_svg(summary, plot, title=f"nnterm: {preset.title}")
            except OSError as err:
                raise PresetError(f"cannot write {plot}: {err.strerror}", key="--plot") from None
            console.print(f"summary curve saved to {plot}")
    if metrics:
        console.print(f"metrics written to {metrics}")
    return 0


def _run_here(preset, console: Console, out, *, seed, steps) -> ExperimentResult:
    """Every run in this process, one after another, each with a live bar."""
    with RunReporter(console) as reporter:
        def on_record(label: str, record: StepRecord) -> None:
            reporter.record(label, record)
            if out is not None:
                out.record(label, record)

        return run_preset(preset, seed=seed, steps=steps, on_record=on_record,
                          on_run_start=reporter.start)


def _run_in_pool(preset, console: Console, out, open_the_pool: Callable[[], PointPool], *,
                 seed, steps) -> ExperimentResult:
    """Every run as a job of the pool ``open_the_pool()`` opens; the metrics of each run
    are written once every run before it (in the preset's order) is written, so the file
    does not depend on the order in which the jobs finish."""
    jobs = preset_jobs(preset, seed=seed, steps=steps)
    results: list[RunResult | None] = [None] * len(jobs)
    written = 0
    try:
        with open_the_pool() as pool:
            # the jobs go to the workers first, then the bars are built (the first poll
            # comes once they are)
            finishing = pool.run(jobs, poll=lambda: reporter.update(pool.progress_updates()))
            with PointReporter(console, jobs, pool.description) as reporter:
                for index, run in finishing:
                    results[index] = run
                    reporter.finished(run)
                    while written < len(jobs) and (done := results[written]) is not None:
                        if out is not None:
                            for record in done.records:
                                out.record(done.label, record)
                        written += 1
    except KeyboardInterrupt:  # the pool has stopped its workers: say what finished
        finished = [r for r in results if r is not None]
        if finished:
            print_table(console, summary_table(collect(preset, finished, seed)))
        console.print(f"interrupted: {len(finished)} of {len(jobs)} runs finished")
        raise
    finished = [r for r in results if r is not None]
    assert len(finished) == len(jobs), "the pool ran every job"
    return collect(preset, finished, seed)


def _same_file(a: str, b: str) -> bool:
    """True if paths ``a`` and ``b`` name one file (``b`` may be empty: no file)."""
    if not b:
        return False
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet)
        return os.path.realpath(a) == os.path.realpath(b)


def check_pool_options(workers: int | None, executor: str, scheduler: str | None) -> None:
    """``--workers``, ``--executor`` and ``--scheduler`` make sense together."""
    if workers is not None and workers < 1:
        raise PresetError(f"{workers} is not allowed", key="--workers",
                          allowed="an integer >= 1")
    if scheduler is not None and executor == "local":
        raise PresetError("a scheduler needs a cluster executor", key="--scheduler",
                          allowed="with --executor dask or ray")


def run_summary(run) -> dict:
    """The JSONL summary line of one run."""
    return {
        "status": run.status,
        "stop_reason": run.stop_reason,
        "n_params": run.n_params,
        "seconds": round(run.seconds, 3),
        "point": {k: list(v) if isinstance(v, tuple) else v for k, v in run.point.items()},
        "diagnoses": [{"name": d.name, "step": d.step, "message": d.message,
                       "cause": d.cause} for d in run.diagnoses],
        "final": run.final.to_json(),
    }
