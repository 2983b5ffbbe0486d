"""``nnterm check``: run presets headless and prove their claims.

Prints one table row per claim (preset, seed, claim, expected, measured, pass/fail,
seconds of that preset's runs) and exits 1 if any claim fails. ``--jobs N`` checks N
presets at once, each in its own process (spawned, so nothing is shared).
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from nnterm.engine.lessons.claims import check_claims
from nnterm.engine.lessons.experiment import run_preset
from nnterm.engine.lessons.loader import PresetError, list_presets, load_preset
from nnterm.engine.lessons.preset import Preset


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
    """Run ``preset`` (at ``seed``, or its own) and check every claim."""
    result = run_preset(preset, seed=seed)
    seconds = sum(run.seconds for run in result)
    return [
        ClaimRow(preset.name, result.seed, c.description, c.expected, c.measured_text, c.passed,
                 seconds)
        for c in check_claims(preset, result)
    ]


def check_command(sources: list[str], *, seeds: list[int] | None, jobs: int) -> int:
    if jobs < 1:
        raise PresetError(f"{jobs} is not allowed", key="--jobs", allowed="an integer >= 1")
    if seeds and min(seeds) < 0:
        raise PresetError(f"{min(seeds)} is not allowed", key="--seed", allowed="integers >= 0")
    presets = [load_preset(s) for s in sources] if sources else list_presets()
    tasks = [(p, s) for p in presets for s in (seeds or [None])]
    console = Console()
    rows: list[ClaimRow] = []
    with Progress(TextColumn("checking"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.description}"), TimeElapsedColumn(), console=console,
                  disable=not console.is_terminal) as progress:
        bar = progress.add_task("", total=len(tasks))
        for done in _run_all(tasks, jobs):
            rows.extend(done)
            progress.update(bar, advance=1, description=done[0].preset if done else "")
            if not console.is_terminal and done:
                passed = sum(r.passed for r in done)
                console.print(f"{done[0].preset} seed {done[0].seed}: {passed}/{len(done)} "
                              f"claims hold ({done[0].seconds:.1f} s)")
    console.print(claims_table(rows))
    failed = sum(not r.passed for r in rows)
    console.print(f"{len(rows) - failed} claims passed, {failed} failed "
                  f"({len(presets)} presets, {len(tasks)} runs)")
    return 1 if failed else 0


def _run_all(tasks, jobs: int):
    """Yield each task's rows as it finishes (in order when jobs == 1)."""
    if jobs == 1:
        for preset, seed in tasks:
            yield check_preset(preset, seed)
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        futures = [pool.submit(check_preset, p, s) for p, s in tasks]
        for future in futures:
            yield future.result()


def claims_table(rows: list[ClaimRow]) -> Table:
    table = Table(title="claims")
    for column in ("preset", "seed", "claim", "expected", "measured", "result", "seconds"):
        table.add_column(column, justify="right" if column in ("seed", "seconds") else "left",
                         overflow="fold")
    for r in rows:
        table.add_row(r.preset, str(r.seed), r.description, r.expected, r.measured,
                      "[green]pass[/]" if r.passed else "[bold red]FAIL[/]", f"{r.seconds:.1f}")
    return table
