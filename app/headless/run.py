"""``nnterm run``: train a preset's runs headless, with a progress bar, and summarise them.

On a terminal a rich progress bar per run shows steps/s and the losses; otherwise (a pipe,
a log file, CI) plain lines report each run's start, every tenth of it, and its end.
"""

from __future__ import annotations

import contextlib
import math
import time

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from nnterm.engine.lessons.experiment import ExperimentResult, run_preset
from nnterm.engine.lessons.loader import PresetError, apply_overrides, load_preset
from nnterm.engine.training.metrics_io import MetricsWriter
from nnterm.engine.training.telemetry import StepRecord


def fmt(x: float | None, digits: int = 4) -> str:
    """A number for a table cell: ``-`` for missing, ``nan`` kept visible."""
    if x is None:
        return "-"
    return "nan" if math.isnan(x) else f"{x:.{digits}g}"


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
        self._task = None
        self._total = 1
        self._started = 0.0
        self._next_line = 0

    def __enter__(self) -> RunReporter:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(*exc)

    def start(self, label: str, total: int) -> None:
        self._total, self._started, self._next_line = total, time.perf_counter(), 0
        self._task = self.progress.add_task(label, total=total, rate="", losses="")
        if not self.live:
            self.console.print(f"{label}: {total} steps")

    def record(self, label: str, record: StepRecord) -> None:
        elapsed = time.perf_counter() - self._started
        rate = f"{record.step / elapsed:,.0f}" if elapsed > 0 and record.step else ""
        losses = f"train {fmt(record.train_loss)}  val {fmt(record.val_loss)}"
        self.progress.update(self._task, completed=record.step, rate=rate, losses=losses)
        if not self.live and record.step >= self._next_line:
            self.console.print(f"{label}: step {record.step}/{self._total}  {losses}")
            self._next_line = record.step + max(1, self._total // 10)


def summary_table(result: ExperimentResult) -> Table:
    table = Table(title=f"{result.preset} (seed {result.seed})")
    for column in ("run", "step", "train loss", "val loss", "train acc", "val acc", "status",
                   "diagnoses", "seconds"):
        table.add_column(column, justify="left" if column in ("run", "status", "diagnoses")
                         else "right")
    for run in result:
        last = run.final
        table.add_row(run.label, str(last.step), fmt(last.train_loss), fmt(last.val_loss),
                      fmt(last.train_acc, 3), fmt(last.val_acc, 3), run.status,
                      ", ".join(run.diagnosis_names) or "-", f"{run.seconds:.1f}")
    return table


def run_command(source: str, *, steps: int | None, seed: int | None, sets: list[str],
                metrics: str | None) -> int:
    if steps is not None and steps < 1:
        raise PresetError(f"{steps} is not allowed", key="--steps", allowed="an integer >= 1")
    if seed is not None and seed < 0:
        raise PresetError(f"{seed} is not allowed", key="--seed", allowed="an integer >= 0")
    preset = apply_overrides(load_preset(source), sets)
    console = Console()
    writer = MetricsWriter(metrics) if metrics else contextlib.nullcontext()
    try:
        with writer as out, RunReporter(console) as reporter:
            def on_record(label: str, record: StepRecord) -> None:
                reporter.record(label, record)
                if out is not None:
                    out.record(label, record)

            result = run_preset(preset, seed=seed, steps=steps, on_record=on_record,
                                on_run_start=reporter.start)
            if out is not None:
                for run in result:
                    out.summary(run.label, run_summary(run))
    except OSError as err:
        raise PresetError(f"cannot write {metrics}: {err.strerror}", key="--metrics") from None
    console.print(summary_table(result))
    for run in result:
        for d in run.diagnoses:
            console.print(f"[bold]{run.label}[/] step {d.step}: {d.name}: {d.message}")
        if run.stop_reason:
            console.print(f"[bold]{run.label}[/] stopped: {run.stop_reason}")
    if metrics:
        console.print(f"metrics written to {metrics}")
    return 0


def run_summary(run) -> dict:
    """The JSONL summary line of one run."""
    return {
        "status": run.status,
        "stop_reason": run.stop_reason,
        "n_params": run.n_params,
        "seconds": round(run.seconds, 3),
        "point": {k: list(v) if isinstance(v, tuple) else v for k, v in run.point.items()},
        "diagnoses": [{"name": d.name, "step": d.step, "message": d.message}
                      for d in run.diagnoses],
        "final": run.final.to_json(),
    }
