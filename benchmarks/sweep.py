"""Sweeps: the speed-up of 2 workers over 1, in a pool and for whole commands, and how fast a
cancelled pool ends.

Method (one run, on this machine, beside whatever else it does; the load average is
printed):

1. **Speed-up.** For each sweep (``scaling_laws`` as it ships, and a heavier width sweep:
   ``scaling_laws`` with widths 64-512 and 3,000 steps), the wall time of training every
   run of the preset (variants at every sweep point) through ``run_preset(pool=...)``
   with a local pool of 1 worker and of 2, alternating, ``--rounds`` times each; a
   pool's start (forking its processes from the worker server, which the first pool of
   this process starts: ``process.worker_server``) is included, as a user waits for it
   too; part 3 times the whole command, start-up and all. The
   speed-up is the median 1-worker time over the median 2-worker time; the results of
   every round are checked identical (records, bit for bit).
2. **Cancellation.** A 2-worker pool trains long runs; once both workers report
   progress, ``close()`` (cancel, then wait for the workers) is timed, and the pool's
   processes are checked gone.
3. **Whole commands** (``--only commands``): ``nnterm run PRESET --workers 1`` and
   ``--workers 2`` from launch to exit, for every sweep preset (``--presets``), this
   tree's command beside another build's (``--before``), in turn (``sweep_commands``).

    .venv/bin/python benchmarks/sweep.py              # ~2 minutes
    .venv/bin/python benchmarks/sweep.py --rounds 1
    .venv/bin/python benchmarks/sweep.py --only commands --before OLD/.venv/bin/nnterm
"""

from __future__ import annotations

import argparse
import dataclasses
import multiprocessing
import os
import statistics
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sweep_commands import whole_commands

from nnterm.engine.experiments.experiment import preset_jobs, run_preset
from nnterm.engine.experiments.pool import local_pool
from nnterm.engine.preset_format.loader import list_presets, load_preset
from nnterm.engine.preset_format.preset import Sweep

WIDTHS = ((64,), (128,), (256,), (512,))


def sweeps():
    """(label, preset) of the sweeps measured."""
    shipped = load_preset("scaling_laws")
    heavy = dataclasses.replace(load_preset("scaling_laws", ["train.steps=3000"]),
                                sweep=Sweep({"model.hidden": WIDTHS}))
    return [("scaling_laws", shipped),
            ("scaling_laws, widths 64-512, 3,000 steps", heavy)]


def fingerprint(result) -> list:
    return [(r.label, [rec.to_json() for rec in r.records]) for r in result]


def timed_sweep(preset, workers: int) -> tuple[float, list]:
    start = time.perf_counter()
    with local_pool(workers) as pool:
        result = run_preset(preset, pool=pool)
    return time.perf_counter() - start, fingerprint(result)


def speedups(rounds: int, console: Console) -> Table:
    table = Table(title="1. a sweep on 1 and 2 local workers (wall seconds, median of "
                  f"{rounds}; pool start included)")
    for column in ("sweep", "runs", "1 worker s", "2 workers s", "speed-up", "identical"):
        table.add_column(column, justify="left" if column == "sweep" else "right")
    for label, preset in sweeps():
        times: dict[int, list[float]] = {1: [], 2: []}
        prints = []
        for _ in range(rounds):
            for workers in (1, 2):
                seconds, fp = timed_sweep(preset, workers)
                times[workers].append(seconds)
                prints.append(fp)
                console.log(f"{label}: {workers} worker(s) {seconds:.2f} s")
        one, two = statistics.median(times[1]), statistics.median(times[2])
        table.add_row(label, str(len(preset_jobs(preset))), f"{one:.2f}", f"{two:.2f}",
                      f"{one / two:.2f}x", "yes" if all(p == prints[0] for p in prints) else "NO")
    return table


def cancellation(console: Console) -> Table:
    jobs = preset_jobs(load_preset("scaling_laws"), steps=10**7)
    pool = local_pool(2)
    for job in jobs:
        pool.submit(job)
    running: set[str] = set()
    deadline = time.monotonic() + 60
    while len(running) < 2 and time.monotonic() < deadline:
        running |= {r.label for r in pool.progress_updates()}
        time.sleep(0.05)
    children = multiprocessing.active_children()
    start = time.perf_counter()
    pool.close()
    seconds = time.perf_counter() - start
    left = [c.pid for c in children if c.is_alive()]
    console.log(f"cancelled {len(running)} running jobs in {seconds:.3f} s")
    table = Table(title="2. cancelling a 2-worker pool while both workers train")
    for column in ("running jobs", "close() seconds", "processes before", "left after"):
        table.add_column(column, justify="right")
    table.add_row(str(len(running)), f"{seconds:.3f}", str(len(children)), str(len(left)))
    return table


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("--rounds", type=int, default=3, help="rounds per sweep (default 3)")
    parser.add_argument("--only", nargs="+", choices=("pool", "cancel", "commands"),
                        default=["pool", "cancel"], help="the parts to run (default: pool "
                        "and cancel)")
    parser.add_argument("--presets", nargs="+", help="the presets of part 3 (default: every "
                        "preset with a sweep)")
    parser.add_argument("--nnterm", help="this tree's nnterm (default: beside this Python)")
    parser.add_argument("--before", metavar="NNTERM",
                        help="part 3: another build's nnterm command, timed in turn")
    args = parser.parse_args()
    console = Console(width=None if sys.stdout.isatty() else 150)
    console.log(f"{os.cpu_count()} cpus, load 1/5/15 {os.getloadavg()}")
    tables = []
    if "pool" in args.only:
        tables.append(speedups(args.rounds, console))
    if "cancel" in args.only:
        tables.append(cancellation(console))
    if "commands" in args.only:
        builds = {"now": args.nnterm or str(Path(sys.executable).with_name("nnterm"))}
        if args.before:
            builds["before"] = args.before
        presets = args.presets or [p.name for p in list_presets() if p.sweep is not None]
        tables.append(whole_commands(builds, presets, args.rounds, console))
    for table in tables:
        console.print(table)
    console.log(f"load 1/5/15 now {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
