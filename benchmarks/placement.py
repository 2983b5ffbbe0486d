"""Where to train a lesson's runs on two cores: all in one engine process (in lockstep, as
the app does) or one process per run. Prints, per preset, the steps per second of each
run either way, measured in one go on this machine.

    .venv/bin/python benchmarks/placement.py    # activations, regularization, playground
    .venv/bin/python benchmarks/placement.py xor --window 5

One process: ``RunSet.tick`` steps every run once per round; every run takes the same
number of steps. One process per run: each run's Trainer steps alone in its own spawned
process, all at once; a lockstep UI would have to wait for the slowest of them, so the
table shows the slowest and the mean. Neither side draws anything: the app's UI needs
part of a core on top (10-17% measured by ``ui.py``), which the per-run processes would
take from it.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import sys
import time

from rich.console import Console
from rich.table import Table

import nnterm.app.single_thread_blas  # noqa: F401  (before NumPy: one BLAS thread, as the app)

LONG_RUN = "train.steps=1000000000"


def lesson_configs(preset: str) -> list[tuple[str, object]]:
    from nnterm.engine.preset_format.loader import load_preset
    from nnterm.engine.training.config import with_changes

    lesson = load_preset(preset, [LONG_RUN])
    return [("base", lesson.config), *((name, with_changes(lesson.config, changes))
                                       for name, changes in lesson.compare.items())]


def one_process(preset: str, window: float) -> float:
    """Rounds (steps of every run) per second, all runs in this process."""
    from nnterm.engine.live.run_set import build_run_set

    runs = build_run_set(lesson_configs(preset))
    warm = time.perf_counter()
    while time.perf_counter() - warm < 0.5:
        runs.tick()
    t0, rounds = time.perf_counter(), 0
    while time.perf_counter() - t0 < window:
        runs.tick()
        rounds += 1
    return rounds / (time.perf_counter() - t0)


def _alone(preset: str, index: int, window: float, start, out) -> None:
    from nnterm.engine.training.trainer import Trainer

    name, config = lesson_configs(preset)[index]
    trainer = Trainer(config, run_name=name)
    start.wait()
    t0, steps = time.perf_counter(), 0
    while time.perf_counter() - t0 < window and not trainer.done:
        trainer.tick()
        steps += 1
    out.put((name, steps / (time.perf_counter() - t0)))


def process_per_run(preset: str, window: float) -> list[tuple[str, float]]:
    """Steps per second of each run, each in its own process, all running at once."""
    ctx = mp.get_context("spawn")
    n = len(lesson_configs(preset))
    start, out = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_alone, args=(preset, i, window, start, out)) for i in range(n)]
    for p in procs:
        p.start()
    time.sleep(2.0)  # let every child import and build its run before the clock starts
    start.set()
    results = [out.get() for _ in procs]
    for p in procs:
        p.join()
    return results


def same_heap_as_the_engine() -> None:
    """Re-run this script with the engine's malloc setting (``process_session.ask_for_huge_pages``)
    so that both placements are measured on the same terms as the app's engine."""
    from nnterm.engine.live.process_session import ask_for_huge_pages

    if "glibc.malloc.hugetlb" not in os.environ.get("GLIBC_TUNABLES", ""):
        ask_for_huge_pages()
        os.execv(sys.executable, [sys.executable, *sys.argv])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("presets", nargs="*",
                        default=["activations", "regularization", "playground"])
    parser.add_argument("--window", type=float, default=4.0, help="seconds per measurement")
    args = parser.parse_args()
    same_heap_as_the_engine()
    table = Table(title="runs of a lesson on 2 cores: steps/s of each run", title_justify="left")
    for col in ("preset", "runs", "one process (lockstep)", "process per run: slowest",
                "mean", "slowest / one process"):
        table.add_column(col, justify="left" if col == "preset" else "right")
    for preset in args.presets:
        lockstep = one_process(preset, args.window)
        alone = [rate for _, rate in process_per_run(preset, args.window)]
        table.add_row(preset, str(len(alone)), f"{lockstep:,.0f}", f"{min(alone):,.0f}",
                      f"{statistics.mean(alone):,.0f}", f"{min(alone) / lockstep:.2f}x")
    Console().print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
