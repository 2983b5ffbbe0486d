"""``nnterm check``: run presets headless and prove their claims.

Prints one table row per claim (preset, seed, claim, expected, measured, pass/fail,
seconds of that preset's runs) and exits 1 if any claim fails. Over several seeds it
prints the failed claims only, then one row per preset: on how many seeds every claim
held, and which claims failed on which seeds. With more than one worker
(the default: one per core) or a cluster executor, every run of every preset and seed is
a job of one ``PointPool``; a preset's claims are checked as soon as its last run ends.
"""

from __future__ import annotations

import contextlib
from collections.abc import Generator
from dataclasses import dataclass

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from nnterm.app.headless.console import headless_console, print_table
from nnterm.app.headless.run import check_pool_options
from nnterm.engine.claims.check import check_claims
from nnterm.engine.experiments.executors import open_pool
from nnterm.engine.experiments.experiment import (
    ExperimentResult,
    RunResult,
    collect,
    preset_jobs,
    run_preset,
)
from nnterm.engine.experiments.pool import PointPool
from nnterm.engine.preset_format.loader import PresetError, list_presets, load_preset
from nnterm.engine.preset_format.preset import Preset
from nnterm.engine.process.worker_server import cores


@dataclass(frozen=True)
class ClaimRow:
    preset: str
    seed: int
    description: str
    expected: str
    measured: str
    passed: bool
    seconds: float


def check_preset(preset: Preset, seed: int | None) -> list[ClaimRow]:
    """Run ``preset`` (at ``seed``, or its own) here and check every claim."""
    return claim_rows(preset, run_preset(preset, seed=seed))


def claim_rows(preset: Preset, result: ExperimentResult) -> list[ClaimRow]:
    seconds = sum(run.seconds for run in result)
    return [
        ClaimRow(preset.name, result.seed, c.description, c.expected, c.measured_text, c.passed,
                 seconds)
        for c in check_claims(preset, result)
    ]


def check_command(sources: list[str], *, seeds: list[int] | None, workers: int | None = 1,
                  executor: str = "local", scheduler: str | None = None) -> int:
    check_pool_options(workers, executor, scheduler)
    if seeds and min(seeds) < 0:
        raise PresetError(f"{min(seeds)} is not allowed", key="--seed", allowed="integers >= 0")
    presets = [load_preset(s) for s in sources] if sources else list_presets()
    tasks: list[tuple[Preset, int | None]] = [(p, s) for p in presets for s in (seeds or (None,))]
    console = headless_console()
    rows: list[ClaimRow] = []
    in_pool = not (executor == "local" and (workers or cores()) == 1)
    # the pool opens before the bar starts its thread: this process can then fork the
    # workers itself (pool.local_pool)
    with (open_pool(executor, workers, scheduler) if in_pool else contextlib.nullcontext()
          ) as pool, Progress(TextColumn("checking"), BarColumn(), MofNCompleteColumn(),
                              TextColumn("{task.description}"), TimeElapsedColumn(),
                              console=console, disable=not console.is_terminal) as progress:
        bar = progress.add_task("", total=len(tasks))
        done_tasks = (_check_in_pool(tasks, pool) if pool is not None
                      else (check_preset(p, s) for p, s in tasks))
        try:
            for done in done_tasks:
                rows.extend(done)
                progress.update(bar, advance=1, description=done[0].preset if done else "")
                if not console.is_terminal and done:
                    passed = sum(r.passed for r in done)
                    console.print(f"{done[0].preset} seed {done[0].seed}: {passed}/{len(done)} "
                                  f"claims hold ({done[0].seconds:.1f} s)")
        except KeyboardInterrupt:  # show what was checked, once the pool's workers stopped
            done_tasks.close()
            if pool is not None:
                pool.close()
            progress.stop()
            if rows:
                print_table(console, claims_table(rows))
            console.print(f"interrupted: {len({(r.preset, r.seed) for r in rows})} of "
                          f"{len(tasks)} presets checked")
            raise
    order = {(p.name, s): i for i, (p, s) in enumerate(tasks)}
    rows.sort(key=lambda r: order.get((r.preset, r.seed), order.get((r.preset, None), 0)))
    if len({r.seed for r in rows}) > 1:  # one line a preset; the claims only where one failed
        if not all(r.passed for r in rows):
            failed_rows = [r for r in rows if not r.passed]
            print_table(console, claims_table(failed_rows, "failed claims"))
        print_table(console, seeds_table(rows))
    else:
        print_table(console, claims_table(rows))
    failed = sum(not r.passed for r in rows)
    trained = sum(len(preset_jobs(p, seed=s)) for p, s in tasks)  # variants, sweep points
    console.print(f"{counted(len(rows) - failed, 'claim')} passed, {failed} failed "
                  f"({counted(len(presets), 'preset')}, {counted(trained, 'run')})")
    return 1 if failed else 0


def counted(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _check_in_pool(tasks: list[tuple[Preset, int | None]], pool: PointPool
                   ) -> Generator[list[ClaimRow], None, None]:
    """Every run of every task as one job of ``pool``; yield each task's claim rows as its
    last run finishes."""
    jobs, owner = [], []
    for t, (preset, seed) in enumerate(tasks):
        for job in preset_jobs(preset, seed=seed):
            jobs.append(job)
            owner.append(t)
    results: list[RunResult | None] = [None] * len(jobs)
    left = [owner.count(t) for t in range(len(tasks))]
    for index, run in pool.run(jobs):
        results[index] = run
        t = owner[index]
        left[t] -= 1
        if left[t] == 0:
            preset, seed = tasks[t]
            mine = [r for r, o in zip(results, owner, strict=True) if o == t and r is not None]
            yield claim_rows(preset, collect(preset, mine, seed))


def claims_table(rows: list[ClaimRow], title: str = "claims") -> Table:
    table = Table(title=title)
    for column in ("preset", "seed", "claim", "expected", "measured", "result", "seconds"):
        table.add_column(column, justify="right" if column in ("seed", "seconds") else "left",
                         overflow="fold")
    for r in rows:
        table.add_row(r.preset, str(r.seed), r.description, r.expected, r.measured,
                      "[green]pass[/]" if r.passed else "[bold red]FAIL[/]", f"{r.seconds:.1f}")
    return table


def seeds_table(rows: list[ClaimRow]) -> Table:
    """One row per preset checked on several seeds: its claims, the seeds on which every
    claim held, and each failed claim with the seeds it failed on."""
    table = Table(title="claims by preset and seed")
    for column in ("preset", "claims", "seeds", "all hold on", "failed on"):
        table.add_column(column, justify="right" if column in ("claims", "seeds") else "left",
                         overflow="fold")
    for preset in dict.fromkeys(r.preset for r in rows):
        mine = [r for r in rows if r.preset == preset]
        seeds = list(dict.fromkeys(r.seed for r in mine))
        failing_seeds = {r.seed for r in mine if not r.passed}
        failed: dict[str, list[int]] = {}
        for r in mine:
            if not r.passed:
                failed.setdefault(r.description, []).append(r.seed)
        held = len(seeds) - len(failing_seeds)
        table.add_row(preset, str(len(mine) // len(seeds)), _seed_list(seeds),
                      f"[green]{held} of {len(seeds)}[/]" if not failing_seeds
                      else f"[bold red]{held} of {len(seeds)}[/]",
                      "\n".join(f"{_seed_list(s)}: {d}" for d, s in failed.items()))
    return table


def _seed_list(seeds: list[int]) -> str:
    """0-20 for a run of consecutive seeds, else the seeds with commas."""
    ordered = sorted(seeds)
    if len(ordered) > 2 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{ordered[0]}-{ordered[-1]}"
    return ", ".join(map(str, ordered))
